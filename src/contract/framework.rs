//! Each form's indicator framework: which 一级 and 二级 categories its tables
//! may use and which 一级 must be present.
//!
//! Frameworks are data, next to the form: `forms/<name>/form.yaml`. A form
//! without one follows the classic framework in `lib/framework.yaml`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The classic framework, for forms that declare none.
pub const FRAMEWORK_FILE: &str = "lib/framework.yaml";

/// The categories a table may use.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// 一级 categories every table must have (产出, 效益, 满意度 or their names in this form).
    pub required: Vec<String>,
    /// Each 一级 category and the 二级 categories allowed under it.
    pub categories: BTreeMap<String, Vec<String>>,
}

/// A form's frameworks: one for project tables, and one for the department's
/// own table where it differs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormRules {
    pub indicators: Framework,
    #[serde(default)]
    pub department_indicators: Option<Framework>,
}

impl FormRules {
    pub fn for_department(&self) -> &Framework {
        self.department_indicators
            .as_ref()
            .unwrap_or(&self.indicators)
    }
}

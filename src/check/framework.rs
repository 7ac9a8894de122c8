//! Each form's indicator framework: which 一级 and 二级 categories its tables
//! may use and which 一级 must be present.
//!
//! Frameworks are data, next to the form: `forms/<name>/form.yaml`. A form
//! without one follows the classic framework in `lib/framework.yaml`.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Forms;
use crate::templates::TemplateStore;

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

/// A framework file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct FrameworkError {
    pub file: String,
    pub message: String,
}

/// The frameworks of every form in the store.
pub fn load_forms(store: &TemplateStore) -> Result<Forms, FrameworkError> {
    let mut forms = Forms::default();
    for name in store.forms() {
        let own = format!("forms/{name}/form.yaml");
        let file = if store.get(&own).is_some() {
            own
        } else {
            FRAMEWORK_FILE.to_owned()
        };
        let bytes = store
            .get(&file)
            .map(|f| f.bytes.as_slice())
            .unwrap_or_default();
        let rules: FormRules = serde_saphyr::from_slice(bytes).map_err(|e| FrameworkError {
            file: file.clone(),
            message: e.to_string(),
        })?;
        forms.rules.insert(name.to_owned(), rules);
    }
    Ok(forms)
}

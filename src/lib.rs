//! jixiao (绩效) publishes budget performance-target disclosures
//! (预算绩效目标公开): one YAML file per department becomes a PDF for the
//! official notice and an HTML page for the government website.
//!
//! The data flows through the modules in this order:
//! [`load`] (YAML → [`node`] tree → checked against the form's
//! [`contract`] → typed [`model`]) → [`check`] → [`render`] → [`typeset`] →
//! [`publish`]. [`workbook`] stands beside them: spreadsheets in the long
//! layout into data files (`import`) and back (`export`).

pub mod alloc;
pub mod check;
pub mod codes;
pub mod commands;
pub mod contract;
pub mod cpu;
pub mod diag;
pub mod load;
pub mod model;
pub mod node;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod serve;
pub mod site;
pub mod synth;
pub mod templates;
pub mod typeset;
pub mod workbook;

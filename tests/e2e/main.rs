//! End-to-end tests over the real `data/`, linked into one test binary: each
//! test binary links Typst again, and one link is what CI can afford.

mod common;

mod attacks;
mod bad;
mod batch;
mod browser;
mod check;
mod contracts;
mod emit;
mod escape;
mod forms;
mod publish;
mod render;
mod review;
mod robust;
mod shards;
mod site;
mod typography;
mod watch;
mod workbook;
mod world;

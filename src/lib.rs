pub mod json;
pub mod model;

//! The set of minijinja template sources: the built-in `templates/postgres`,
//! optionally overridden file by file from a team's own folder.

use std::collections::BTreeMap;

/// Built-in templates, compiled into the binary so that `demoforge` works from
/// any directory.
const BUILTIN: [(&str, &str); 2] = [
    (
        "schema.sql.j2",
        include_str!("../../templates/postgres/schema.sql.j2"),
    ),
    (
        "base-demo.sql.j2",
        include_str!("../../templates/postgres/base-demo.sql.j2"),
    ),
];

/// Template sources by file name. A BTreeMap keeps iteration order stable.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    sources: BTreeMap<String, String>,
}

impl TemplateSet {
    pub fn builtin() -> TemplateSet {
        let sources = BUILTIN
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        TemplateSet { sources }
    }

    /// Replaces or adds templates by file name.
    pub fn with_overrides(mut self, overrides: BTreeMap<String, String>) -> TemplateSet {
        self.sources.extend(overrides);
        self
    }

    pub fn source(&self, name: &str) -> Option<&str> {
        self.sources.get(name).map(String::as_str)
    }

    pub(crate) fn environment(&self) -> minijinja::Environment<'_> {
        let mut env = minijinja::Environment::new();
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("static syntax config is valid");
        env.set_syntax(syntax);
        for (name, text) in &self.sources {
            // A template that fails to parse is reported when it is rendered.
            let _ = env.add_template(name, text);
        }
        env
    }
}

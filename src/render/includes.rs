//! Include cycles among a theme's templates: `{% include %}` chains that always lead back to
//! where they started, which Tera follows until the stack overflows and the process aborts.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use tera::ast::{ExprVal, Node, Set};
use tera::Tera;

/// Every cycle of includes that a template reaches whenever it is rendered: includes at its
/// top level or in a `{% filter %}` section, not under `{% if %}`, `{% for %}` (whose test or
/// list can end a recursion) or `{% block %}` (a child template may replace the block). Each
/// cycle is given once, as template names from its first name in sort order back to it
/// (`["a.html", "b.html", "a.html"]`). Of `{% include ["x", "y"] %}` the first template that
/// exists is the one Tera renders, and the one followed here.
pub fn cycles(tera: &Tera) -> Vec<Vec<String>> {
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, template) in &tera.templates {
        let mut reached = Vec::new();
        always_reached(tera, name, &template.ast, &mut reached);
        edges.insert(name.clone(), reached);
        for (macro_name, definition) in &template.macros {
            let mut reached = Vec::new();
            always_reached(tera, name, &definition.body, &mut reached);
            edges.insert(macro_id(name, macro_name), reached);
        }
    }
    find_cycles(&edges)
}

/// Every cycle of `{% import %}`s: Tera loads a file's imported macros, and theirs, with no
/// end when the imports come back to a file (even one that imports itself and calls nothing),
/// and the process aborts. Named as `cycles` names include cycles.
pub fn import_cycles(tera: &Tera) -> Vec<Vec<String>> {
    let edges: BTreeMap<String, Vec<String>> = tera
        .templates
        .iter()
        .map(|(name, template)| {
            let imported = template.imported_macro_files.iter();
            (
                name.clone(),
                imported.map(|(file, _)| file.clone()).collect(),
            )
        })
        .collect();
    find_cycles(&edges)
}

/// Every cycle of `{% extends %}`: Tera's own check misses a cycle that a template outside it
/// extends into, and then follows the cycle until the stack overflows.
pub fn extends_cycles(tera: &Tera) -> Vec<Vec<String>> {
    let edges: BTreeMap<String, Vec<String>> = tera
        .templates
        .iter()
        .map(|(name, template)| (name.clone(), template.parent.iter().cloned().collect()))
        .collect();
    find_cycles(&edges)
}

/// The cycles of the graph `edges` (name → the names it leads to), each once (see `walk`).
fn find_cycles(edges: &BTreeMap<String, Vec<String>>) -> Vec<Vec<String>> {
    let edges: BTreeMap<&str, Vec<&str>> = edges
        .iter()
        .map(|(from, to)| (from.as_str(), to.iter().map(String::as_str).collect()))
        .collect();
    let mut found = BTreeSet::new();
    let mut done = HashSet::new();
    for start in edges.keys() {
        if !done.contains(start) {
            walk(&edges, start, &mut done, &mut found);
        }
    }
    found.into_iter().collect()
}

/// How a macro is named in a cycle: `macros.html::tree`.
fn macro_id(file: &str, name: &str) -> String {
    format!("{file}::{name}")
}

/// Depth first from `start`, without recursion (a theme may chain thousands of templates):
/// every include that leads back to a template on the current chain closes a cycle, recorded
/// from its smallest name. Each template is walked once, so the time is linear in the
/// templates and includes (following every path instead grows exponentially).
fn walk<'a>(
    edges: &BTreeMap<&'a str, Vec<&'a str>>,
    start: &'a str,
    done: &mut HashSet<&'a str>,
    found: &mut BTreeSet<Vec<String>>,
) {
    // The chain from `start`, each template with the index of its next include to follow.
    let mut chain: Vec<(&str, usize)> = vec![(start, 0)];
    while let Some((name, next)) = chain.last_mut() {
        let name = *name;
        let Some(&target) = edges.get(name).and_then(|targets| targets.get(*next)) else {
            done.insert(name);
            chain.pop();
            continue;
        };
        *next += 1;
        if let Some(at) = chain.iter().position(|(n, _)| *n == target) {
            found.insert(from_smallest(chain[at..].iter().map(|(n, _)| *n).collect()));
        } else if !done.contains(target) {
            chain.push((target, 0));
        }
    }
}

/// The cycle `members` (each once) turned to start at its smallest name, closed by it again.
fn from_smallest(mut members: Vec<&str>) -> Vec<String> {
    let smallest = (0..members.len()).min_by_key(|&i| members[i]).unwrap_or(0);
    members.rotate_left(smallest);
    let mut cycle: Vec<String> = members.iter().map(|n| n.to_string()).collect();
    cycle.push(cycle[0].clone());
    cycle
}

/// Where (1-based line and column, in characters) the first `{% include %}`, `{% import %}`
/// or `{% extends %}` tag naming `target` in quotes starts in the template `text`, even when the tag spans lines.
/// For a macro (`file::name`, as `cycles` names it), the first `{{ }}` or `{% set %}` tag that
/// calls `…::name(`.
pub fn tag_position(text: &str, target: &str) -> Option<(usize, usize)> {
    let start = match target.split_once("::") {
        Some((_, name)) => find_tag(text, "{{", "}}", |tag| tag.contains(&format!("::{name}(")))
            .or_else(|| {
                find_tag(text, "{%", "%}", |tag| {
                    keyword(tag).starts_with("set") && tag.contains(&format!("::{name}("))
                })
            }),
        None => {
            let quoted = [format!("\"{target}\""), format!("'{target}'")];
            find_tag(text, "{%", "%}", |tag| {
                let keyword = keyword(tag);
                ["include", "import", "extends"]
                    .iter()
                    .any(|k| keyword.starts_with(k))
                    && quoted.iter().any(|q| tag.contains(q))
            })
        }
    }?;
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    Some((line, text[line_start..start].chars().count() + 1))
}

/// Where the first tag opened by `open` whose text (up to `close`) passes `wanted` starts.
fn find_tag(text: &str, open: &str, close: &str, wanted: impl Fn(&str) -> bool) -> Option<usize> {
    text.match_indices(open).map(|(at, _)| at).find(|&at| {
        let end = text[at..].find(close).map_or(text.len(), |end| at + end);
        wanted(&text[at..end])
    })
}

/// A tag's first word: `{%- include …` → `include …`.
fn keyword(tag: &str) -> &str {
    tag[2..].trim_start_matches(['-', ' ', '\t', '\r', '\n'])
}

/// The templates and macros that `nodes` of template `file` always render (see `cycles`):
/// includes, and macro calls that are a whole `{{ }}` or `{% set %}` value.
fn always_reached(tera: &Tera, file: &str, nodes: &[Node], into: &mut Vec<String>) {
    for node in nodes {
        match node {
            Node::Include(_, names, _) => {
                let rendered = names.iter().find(|n| tera.templates.contains_key(*n));
                into.extend(rendered.cloned());
            }
            Node::FilterSection(_, section, _) => always_reached(tera, file, &section.body, into),
            Node::VariableBlock(_, expr) | Node::Set(_, Set { value: expr, .. }) => {
                if let ExprVal::MacroCall(call) = &expr.val {
                    into.extend(
                        macro_file(tera, file, &call.namespace).map(|f| macro_id(f, &call.name)),
                    );
                }
            }
            _ => {}
        }
    }
}

/// The file of the macros that template `file` calls as `namespace::…`.
fn macro_file<'a>(tera: &'a Tera, file: &'a str, namespace: &str) -> Option<&'a str> {
    if namespace == "self" {
        return Some(file);
    }
    let template = tera.templates.get(file)?;
    template
        .imported_macro_files
        .iter()
        .find(|(_, ns)| ns == namespace)
        .map(|(imported, _)| imported.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera(templates: &[(&str, &str)]) -> Tera {
        let mut tera = Tera::default();
        tera.add_raw_templates(templates.iter().copied()).unwrap();
        tera
    }

    #[test]
    fn the_tag_is_found_on_its_line_and_column_even_across_lines() {
        let text = "a\nb {%- include\n\"self.html\" %}\n{% include 'x.html' %}";
        assert_eq!(tag_position(text, "self.html"), Some((2, 3)));
        assert_eq!(tag_position(text, "x.html"), Some((4, 1)));
        let text = "{# include \"self.html\" #}\n日本{% include \"self.html\" %}";
        assert_eq!(tag_position(text, "self.html"), Some((2, 3)));
        assert_eq!(tag_position(text, "other.html"), None);
        let text = "{% macro r() %}\n  {{ self::r() }}{% endmacro r %}";
        assert_eq!(tag_position(text, "m.html::r"), Some((2, 3)));
    }

    #[test]
    fn a_template_including_itself_is_a_cycle() {
        let found = cycles(&tera(&[("a.html", "x{% include \"a.html\" %}")]));
        assert_eq!(found, vec![vec!["a.html", "a.html"]]);
    }

    #[test]
    fn a_longer_cycle_is_named_once_from_its_first_name() {
        let found = cycles(&tera(&[
            ("c.html", "{% include \"a.html\" %}"),
            (
                "a.html",
                "{% filter upper %}{% include \"b.html\" %}{% endfilter %}",
            ),
            ("b.html", "{% include \"c.html\" %}"),
            ("page.html", "{% include \"a.html\" %}"),
        ]));
        assert_eq!(found, vec![vec!["a.html", "b.html", "c.html", "a.html"]]);
    }

    #[test]
    fn includes_that_a_condition_or_a_list_can_end_are_allowed() {
        let found = cycles(&tera(&[
            (
                "tree.html",
                "{% for c in children %}{% include \"tree.html\" %}{% endfor %}",
            ),
            (
                "if.html",
                "{% if deeper %}{% include \"if.html\" %}{% endif %}",
            ),
            (
                "block.html",
                "{% block b %}{% include \"block.html\" %}{% endblock %}",
            ),
            (
                "ok.html",
                "{% include \"if.html\" %}{% include \"tree.html\" %}",
            ),
        ]));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_lattice_of_includes_is_checked_in_linear_time() {
        // 2 × 40 templates, each including both of the next level: 2^40 paths, no cycle.
        let mut templates = Vec::new();
        for level in 0..40 {
            for side in ["a", "b"] {
                let text = format!(
                    "{{% include \"{0}a.html\" %}}{{% include \"{0}b.html\" %}}",
                    level + 1
                );
                templates.push((format!("{level}{side}.html"), text));
            }
        }
        templates.push(("40a.html".into(), "end".into()));
        templates.push(("40b.html".into(), "end".into()));
        let mut tera = Tera::default();
        tera.add_raw_templates(templates).unwrap();
        assert!(cycles(&tera).is_empty());
        // The last level includes the first: every template is on a cycle, found quickly.
        tera.add_raw_template("40b.html", "{% include \"0a.html\" %}")
            .unwrap();
        assert!(!cycles(&tera).is_empty());
    }

    #[test]
    fn macros_that_always_call_themselves_or_include_their_caller_are_cycles() {
        let found = cycles(&tera(&[
            (
                "macros.html",
                "{% macro m() %}{% include \"mself.html\" %}{% endmacro m %}\
                 {% macro r() %}{{ self::r() }}{% endmacro r %}\
                 {% macro ok(n) %}{% if n > 0 %}{{ self::ok(n=n - 1) }}{% endif %}{% endmacro ok %}",
            ),
            ("mself.html", "{% import \"macros.html\" as mm %}X{{ mm::m() }}"),
        ]));
        assert_eq!(
            found,
            vec![
                vec!["macros.html::m", "mself.html", "macros.html::m"],
                vec!["macros.html::r", "macros.html::r"],
            ]
        );
    }

    #[test]
    fn macro_files_that_import_each_other_are_cycles() {
        let tera = tera(&[
            (
                "m.html",
                "{% import \"m.html\" as m %}{% macro r() %}hi{% endmacro r %}",
            ),
            (
                "a.html",
                "{% import \"b.html\" as b %}{% macro x() %}{% endmacro x %}",
            ),
            (
                "b.html",
                "{% import \"a.html\" as a %}{% macro y() %}{% endmacro y %}",
            ),
            ("page.html", "{% import \"m.html\" as m %}{{ m::r() }}"),
        ]);
        assert_eq!(
            import_cycles(&tera),
            vec![vec!["a.html", "b.html", "a.html"], vec!["m.html", "m.html"]]
        );
        assert_eq!(
            tag_position("x\n{% import 'm.html' as m %}", "m.html"),
            Some((2, 1))
        );
    }

    #[test]
    fn an_extends_cycle_is_found_even_when_entered_from_outside() {
        let mut tera = Tera::default();
        for (name, text) in [
            ("self.html", "{% extends \"self.html\" %}"),
            ("tail.html", "{% extends \"self.html\" %}"),
            ("ea.html", "{% extends \"eb.html\" %}"),
            ("eb.html", "  {% extends \"ea.html\" %}"),
        ] {
            let template = tera::Template::new(name, None, text).unwrap();
            tera.templates.insert(name.to_string(), template);
        }
        assert_eq!(
            extends_cycles(&tera),
            vec![
                vec!["ea.html", "eb.html", "ea.html"],
                vec!["self.html", "self.html"]
            ]
        );
        assert_eq!(
            tag_position("  {% extends \"ea.html\" %}", "ea.html"),
            Some((1, 3))
        );
    }

    #[test]
    fn the_first_existing_name_of_a_list_is_followed() {
        let found = cycles(&tera(&[(
            "a.html",
            "{% include [\"missing.html\", \"a.html\"] ignore missing %}",
        )]));
        assert_eq!(found, vec![vec!["a.html", "a.html"]]);
    }
}

//! Include cycles among a theme's templates: `{% include %}` chains that always lead back to
//! where they started, which Tera follows until the stack overflows and the process aborts.

use std::collections::BTreeMap;

use tera::ast::Node;
use tera::Tera;

/// Every cycle of includes that a template reaches whenever it is rendered: includes at its
/// top level or in a `{% filter %}` section, not under `{% if %}`, `{% for %}` (whose test or
/// list can end a recursion) or `{% block %}` (a child template may replace the block). Each
/// cycle is given once, as template names from its first name in sort order back to it
/// (`["a.html", "b.html", "a.html"]`). Of `{% include ["x", "y"] %}` the first template that
/// exists is the one Tera renders, and the one followed here.
pub fn cycles(tera: &Tera) -> Vec<Vec<String>> {
    let edges: BTreeMap<&str, Vec<&str>> = tera
        .templates
        .iter()
        .map(|(name, template)| {
            let mut included = Vec::new();
            always_included(tera, &template.ast, &mut included);
            (name.as_str(), included)
        })
        .collect();
    let mut found = Vec::new();
    for start in edges.keys() {
        let mut path = vec![*start];
        walk(&edges, start, &mut path, &mut found);
    }
    found
}

/// Extends `path` (a chain of includes from `start`) depth first; records it when it comes
/// back to `start`. Only chains through names after `start` are followed, so each cycle is
/// found once, from its smallest name.
fn walk<'a>(
    edges: &BTreeMap<&'a str, Vec<&'a str>>,
    start: &'a str,
    path: &mut Vec<&'a str>,
    found: &mut Vec<Vec<String>>,
) {
    let Some(last) = path.last().copied() else {
        return;
    };
    for &next in edges.get(last).into_iter().flatten() {
        if next == start {
            let mut cycle: Vec<String> = path.iter().map(|n| n.to_string()).collect();
            cycle.push(start.to_string());
            found.push(cycle);
        } else if next > start && !path.contains(&next) {
            path.push(next);
            walk(edges, start, path, found);
            path.pop();
        }
    }
}

/// The templates that `nodes` include whenever they are rendered (see `cycles`).
fn always_included<'a>(tera: &'a Tera, nodes: &'a [Node], into: &mut Vec<&'a str>) {
    for node in nodes {
        match node {
            Node::Include(_, names, _) => {
                let rendered = names.iter().find(|n| tera.templates.contains_key(*n));
                if let Some(name) = rendered {
                    into.push(name.as_str());
                }
            }
            Node::FilterSection(_, section, _) => always_included(tera, &section.body, into),
            _ => {}
        }
    }
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
    fn the_first_existing_name_of_a_list_is_followed() {
        let found = cycles(&tera(&[(
            "a.html",
            "{% include [\"missing.html\", \"a.html\"] ignore missing %}",
        )]));
        assert_eq!(found, vec![vec!["a.html", "a.html"]]);
    }
}

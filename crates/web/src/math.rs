//! TeX math in titles and abstracts (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`) rendered as MathML on
//! the server, so that pages show α rather than `$\alpha$` without any JavaScript.
//!
//! Everything else is text for the template to escape, made readable as
//! [`paperboy_domain::tex::to_plain_text`] makes it (`\emph{sparse}` → sparse, `\&` → &), so a
//! title reads the same on a page, in a card, a search result, a feed or a mail. The generated
//! MathML is the only
//! markup let through unescaped, and only after [`is_plain_mathml`] has checked that it holds
//! nothing but MathML elements and harmless attributes; otherwise the math is shown as written.

use paperboy_domain::tex::{split_math, to_plain_text, Span};
use pulldown_latex::{push_mathml, Parser, RenderConfig, Storage};

/// A stretch of text, or a formula with its MathML.
#[derive(Debug, PartialEq)]
pub struct Piece {
    /// Readable text (for math: the TeX as written, delimiters included).
    pub text: String,
    /// Checked MathML for a formula.
    pub mathml: Option<String>,
}

/// Splits `text` into text and rendered formulas ([`paperboy_domain::tex::split_math`] says
/// what a formula is); a formula the renderer cannot render is shown as readable text.
pub fn render(text: &str) -> Vec<Piece> {
    let mut pieces: Vec<Piece> = Vec::new();
    let push_text = |pieces: &mut Vec<Piece>, text: &str| match pieces.last_mut() {
        Some(last) if last.mathml.is_none() => last.text.push_str(text),
        _ => pieces.push(Piece {
            text: text.to_string(),
            mathml: None,
        }),
    };
    for span in split_math(text) {
        match span {
            Span::Text(t) => push_text(&mut pieces, &to_plain_text(t)),
            Span::Math { written, body, display } => match to_mathml(body, display) {
                Some(mathml) => pieces.push(Piece {
                    text: written.to_string(),
                    mathml: Some(mathml),
                }),
                None => push_text(&mut pieces, &to_plain_text(written)),
            },
        }
    }
    pieces
}

/// Formulas whose groups nest deeper than this are shown as text: the renderer recurses per
/// group, and no real formula needs more.
const MAX_GROUP_DEPTH: usize = 64;

pub(crate) fn to_mathml(tex: &str, display: bool) -> Option<String> {
    if group_depth(tex) > MAX_GROUP_DEPTH {
        return None;
    }
    let storage = Storage::new();
    let parser = Parser::new(tex, &storage);
    let config = RenderConfig {
        display_mode: if display {
            pulldown_latex::config::DisplayMode::Block
        } else {
            pulldown_latex::config::DisplayMode::Inline
        },
        ..RenderConfig::default()
    };
    let mut out = String::new();
    push_mathml(&mut out, parser, config).ok()?;
    // TeX the renderer does not know comes out as an error box: the source reads better.
    (is_plain_mathml(&out) && !out.contains("<merror")).then_some(out)
}

/// How deep `{…}` groups and `\left…\right` pairs nest in `tex` (an upper bound).
fn group_depth(tex: &str) -> usize {
    // `\left` but not `\leftarrow`.
    let command = |rest: &str, name: &str| {
        rest.strip_prefix(name)
            .is_some_and(|after| !after.starts_with(|c: char| c.is_ascii_alphabetic()))
    };
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (at, c) in tex.char_indices() {
        let rest = &tex[at..];
        if c == '{' || command(rest, "\\left") || command(rest, "\\begin") {
            depth += 1;
            deepest = deepest.max(depth);
        } else if c == '}' || command(rest, "\\right") || command(rest, "\\end") {
            depth = depth.saturating_sub(1);
        }
    }
    deepest
}

/// MathML elements allowed through.
const ELEMENTS: &[&str] = &[
    "math",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "mrow",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "mpadded",
    "mphantom",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mmultiscripts",
    "mprescripts",
    "none",
    "mtable",
    "mtr",
    "mtd",
    "mlabeledtr",
    "menclose",
    "merror",
    "semantics",
    "annotation",
];

/// True when `markup` is only MathML elements whose attributes are neither event handlers nor
/// links: a second line of defence should the renderer ever echo its input unescaped.
pub fn is_plain_mathml(markup: &str) -> bool {
    let mut rest = markup;
    while let Some(open) = rest.find('<') {
        let tag = &rest[open + 1..];
        let Some(close) = tag.find('>') else {
            return false;
        };
        let inside = tag[..close].strip_prefix('/').unwrap_or(&tag[..close]);
        let name_end = inside
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(inside.len());
        if !ELEMENTS.contains(&&inside[..name_end]) {
            return false;
        }
        let attributes = inside[name_end..].to_ascii_lowercase();
        let mut words = attributes.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '/');
        if words.any(|w| {
            w.starts_with("on") && w.contains('=')
                || w.starts_with("href")
                || w.starts_with("src")
                || w.contains("javascript:")
        }) {
            return false;
        }
        rest = &tag[close + 1..];
    }
    !rest.contains('>')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &str) -> String {
        render(text)
            .into_iter()
            .map(|p| p.mathml.unwrap_or_else(|| format!("[{}]", p.text)))
            .collect()
    }

    #[test]
    fn inline_and_display_math_become_mathml() {
        let pieces = render("Loss $\\alpha + \\beta^2$ and $$\\sum_i x_i$$ or \\(x\\) end");
        let math: Vec<&Piece> = pieces.iter().filter(|p| p.mathml.is_some()).collect();
        assert_eq!(math.len(), 3);
        assert!(math[0].mathml.as_deref().unwrap().contains("α"));
        assert!(math[1].mathml.as_deref().unwrap().contains("display=\"block\""));
        assert_eq!(pieces[0].text, "Loss ");
        assert_eq!(pieces.last().unwrap().text, " end");
    }

    #[test]
    fn text_without_closed_math_stays_text() {
        for text in ["costs $5", "a \\$ sign $x", "$ $", "plain", "", "\\emph{x} \\& y"] {
            assert!(render(text).iter().all(|p| p.mathml.is_none()), "{text}");
            let joined: String = render(text).into_iter().map(|p| p.text).collect();
            assert_eq!(joined, to_plain_text(text), "nothing lost");
        }
        assert_eq!(
            render("\\emph{Sparse} \\textbf{fast}")[0].text,
            "Sparse fast",
            "readable"
        );
    }

    #[test]
    fn hostile_tex_never_yields_markup_beyond_mathml() {
        for hostile in [
            "$<script>alert(1)</script>$",
            "$\\text{<img src=x onerror=alert(1)>}$",
            "$\\mathrm{</math><script>x</script>}$",
            "$x\" onmouseover=\"alert(1)$",
            "$\\href{javascript:alert(1)}{x}$",
            "$\\operatorname{<iframe>}$",
            "$a & b < c > d$",
            "\\href{javascript:alert(1)}{click} and \\url{javascript:alert(1)}",
            "$\\style{color:red}{x}$ $\\class{x}{y}$ $\\htmlId{x}{y}$",
        ] {
            for piece in render(hostile) {
                if let Some(mathml) = piece.mathml {
                    assert!(is_plain_mathml(&mathml), "{hostile}: {mathml}");
                    // Hostile words may appear as escaped text inside <mtext>, never as markup.
                    for bad in ["<script", "<img", "<iframe", "<a ", "</math><"] {
                        assert!(!mathml.contains(bad), "{hostile}: {mathml}");
                    }
                }
            }
        }
    }

    #[test]
    fn deeply_nested_formulas_render_or_stay_text_without_exhausting_the_stack() {
        // The longest formula split_math lets through, all braces.
        let braces = paperboy_domain::tex::MAX_FORMULA_CHARS / 2 - 1;
        let deep = format!("${}x{}$", "{".repeat(braces), "}".repeat(braces));
        // On a thread with a small stack, as a blocking worker's could be.
        let pieces = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || render(&deep))
            .unwrap()
            .join()
            .expect("no stack overflow");
        for piece in pieces {
            if let Some(mathml) = piece.mathml {
                assert!(is_plain_mathml(&mathml));
            }
        }
    }

    #[test]
    fn the_checker_refuses_non_mathml() {
        assert!(is_plain_mathml("<math><mi>x</mi></math>"));
        assert!(!is_plain_mathml("<math><script>x</script></math>"));
        assert!(!is_plain_mathml("<math onload=\"x\"><mi>x</mi></math>"));
        assert!(!is_plain_mathml("<math><mi href=\"javascript:x\">x</mi></math>"));
        assert!(!is_plain_mathml("<math><mi>x</mi"));
        assert_eq!(rendered("$x$"), render("$x$")[0].mathml.clone().unwrap());
    }
}

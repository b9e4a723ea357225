//! TeX in titles and abstracts, as arXiv keeps it (`$\alpha$-divergence`, `\emph{sparse}`).
//!
//! The store keeps TeX as written ([`crate::text`]); how it is shown depends on where:
//! [`split_math`] finds the formulas (the web layer renders them as MathML), and
//! [`to_plain_text`] turns the whole text into readable Unicode for places without markup —
//! the text part of a mail, a page title. Both agree on what a formula is.

/// Formulas longer than this are left as written (no title needs more; it bounds work).
pub const MAX_FORMULA_CHARS: usize = 2_000;

/// Math delimiters: opening, closing, and whether the formula is displayed (a block).
const DELIMITERS: [(&str, &str, bool); 4] = [
    ("$$", "$$", true),
    ("\\[", "\\]", true),
    ("$", "$", false),
    ("\\(", "\\)", false),
];

/// A stretch of text or one formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span<'a> {
    Text(&'a str),
    Math {
        /// The formula as written, delimiters included.
        written: &'a str,
        /// Between the delimiters.
        body: &'a str,
        display: bool,
    },
}

/// Splits `text` into text and formulas. A formula needs a closing delimiter and a non-blank
/// body of at most [`MAX_FORMULA_CHARS`]; `\$` is a dollar sign, not a delimiter. Joining the
/// spans' text gives `text` back.
pub fn split_math(text: &str) -> Vec<Span<'_>> {
    let mut spans = Vec::new();
    let mut plain_start = 0;
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        if rest.starts_with("\\$") {
            at += 2;
            continue;
        }
        let formula = DELIMITERS.iter().find_map(|&(open, close, display)| {
            let body_and_rest = rest.strip_prefix(open)?;
            let end = body_and_rest.find(close)?;
            let body = &body_and_rest[..end];
            if body.trim().is_empty() || body.chars().count() > MAX_FORMULA_CHARS {
                return None;
            }
            Some(Span::Math {
                written: &rest[..open.len() + end + close.len()],
                body,
                display,
            })
        });
        match formula {
            Some(Span::Math { written, .. }) => {
                if plain_start < at {
                    spans.push(Span::Text(&text[plain_start..at]));
                }
                at += written.len();
                plain_start = at;
                spans.push(formula.expect("matched above"));
            }
            _ => at += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if plain_start < text.len() {
        spans.push(Span::Text(&text[plain_start..]));
    }
    spans
}

/// `text` with its TeX made readable as plain Unicode: formulas lose their delimiters and
/// braces, known commands become their symbols (`\alpha` → α, `x^2` → x²), text commands keep
/// their argument (`\emph{x}` → x), escaped characters lose their backslash. Unknown commands
/// stay as written, so nothing is lost.
pub fn to_plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for span in split_math(text) {
        match span {
            Span::Text(t) => render(t, false, 0, &mut out),
            Span::Math { body, .. } => render(body, true, 0, &mut out),
        }
    }
    out
}

/// The start of `text` for a card or a snippet: at most about `max_chars` characters as read
/// (a formula counts as its readable length), cut at a word as [`crate::text::excerpt`] cuts,
/// never inside a formula — a cut formula would show as raw TeX. "…" ends a shortened text.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let (mut shown, mut offset) = (0, 0);
    for span in split_math(text) {
        let (written, length) = match span {
            Span::Text(t) => (t, t.chars().count()),
            Span::Math { written, body, .. } => {
                let mut readable = String::new();
                render(body, true, 0, &mut readable);
                (written, readable.chars().count())
            }
        };
        if shown + length > max_chars {
            let head = text[..offset].trim_end();
            return match span {
                Span::Text(t) => {
                    let cut = crate::text::excerpt(t, max_chars - shown);
                    let kept = cut.strip_suffix('…').unwrap_or(&cut).trim_end();
                    let joined = format!("{}{kept}", &text[..offset]);
                    format!("{}…", joined.trim_end())
                }
                Span::Math { .. } => format!("{head}…"),
            };
        }
        shown += length;
        offset += written.len();
    }
    text.to_string()
}

/// Commands whose (first) argument is shown as it is: font and emphasis changes.
const WRAPPERS: &[&str] = &[
    "emph",
    "textbf",
    "textit",
    "texttt",
    "textrm",
    "textsf",
    "textsc",
    "textup",
    "textnormal",
    "underline",
    "url",
    "mbox",
    "text",
    "mathrm",
    "mathbf",
    "mathit",
    "mathsf",
    "mathtt",
    "mathcal",
    "mathbb",
    "mathfrak",
    "mathscr",
    "boldsymbol",
    "bm",
    "operatorname",
];

/// Commands that stand for a symbol.
const SYMBOLS: &[(&str, &str)] = &[
    ("alpha", "α"),
    ("beta", "β"),
    ("gamma", "γ"),
    ("delta", "δ"),
    ("epsilon", "ε"),
    ("varepsilon", "ε"),
    ("zeta", "ζ"),
    ("eta", "η"),
    ("theta", "θ"),
    ("vartheta", "ϑ"),
    ("iota", "ι"),
    ("kappa", "κ"),
    ("lambda", "λ"),
    ("mu", "μ"),
    ("nu", "ν"),
    ("xi", "ξ"),
    ("pi", "π"),
    ("rho", "ρ"),
    ("sigma", "σ"),
    ("tau", "τ"),
    ("upsilon", "υ"),
    ("phi", "φ"),
    ("varphi", "φ"),
    ("chi", "χ"),
    ("psi", "ψ"),
    ("omega", "ω"),
    ("Gamma", "Γ"),
    ("Delta", "Δ"),
    ("Theta", "Θ"),
    ("Lambda", "Λ"),
    ("Xi", "Ξ"),
    ("Pi", "Π"),
    ("Sigma", "Σ"),
    ("Upsilon", "Υ"),
    ("Phi", "Φ"),
    ("Psi", "Ψ"),
    ("Omega", "Ω"),
    ("ell", "ℓ"),
    ("infty", "∞"),
    ("partial", "∂"),
    ("nabla", "∇"),
    ("times", "×"),
    ("cdot", "·"),
    ("pm", "±"),
    ("mp", "∓"),
    ("leq", "≤"),
    ("le", "≤"),
    ("geq", "≥"),
    ("ge", "≥"),
    ("neq", "≠"),
    ("ne", "≠"),
    ("approx", "≈"),
    ("sim", "∼"),
    ("simeq", "≃"),
    ("equiv", "≡"),
    ("propto", "∝"),
    ("in", "∈"),
    ("notin", "∉"),
    ("subset", "⊂"),
    ("subseteq", "⊆"),
    ("cup", "∪"),
    ("cap", "∩"),
    ("to", "→"),
    ("rightarrow", "→"),
    ("leftarrow", "←"),
    ("Rightarrow", "⇒"),
    ("mapsto", "↦"),
    ("sum", "∑"),
    ("prod", "∏"),
    ("int", "∫"),
    ("sqrt", "√"),
    ("forall", "∀"),
    ("exists", "∃"),
    ("emptyset", "∅"),
    ("ldots", "…"),
    ("dots", "…"),
    ("cdots", "⋯"),
    ("log", "log"),
    ("exp", "exp"),
    ("max", "max"),
    ("min", "min"),
    ("sin", "sin"),
    ("cos", "cos"),
    ("circ", "∘"),
    ("star", "⋆"),
    ("langle", "⟨"),
    ("rangle", "⟩"),
    ("left", ""),
    ("right", ""),
    ("quad", " "),
    ("qquad", " "),
    ("textendash", "–"),
    ("textemdash", "—"),
    ("LaTeX", "LaTeX"),
    ("TeX", "TeX"),
];

fn superscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '+' => '⁺',
        '-' => '⁻',
        'n' => 'ⁿ',
        'i' => 'ⁱ',
        'T' => 'ᵀ',
        _ => return None,
    })
}

fn subscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '₀',
        '1' => '₁',
        '2' => '₂',
        '3' => '₃',
        '4' => '₄',
        '5' => '₅',
        '6' => '₆',
        '7' => '₇',
        '8' => '₈',
        '9' => '₉',
        '+' => '₊',
        '-' => '₋',
        _ => return None,
    })
}

/// The brace group at the start of `s` (`{…}`, nested braces balanced): its inside and what
/// follows it.
fn group(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix('{')?;
    let mut depth = 1usize;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((&inner[..i], &inner[i + 1..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// A script's argument (`^2`, `^{10}`, `_{ij}`): its text and what follows it.
fn script_argument(s: &str) -> Option<(&str, &str)> {
    if s.starts_with('{') {
        return group(s);
    }
    let c = s.chars().next()?;
    Some(s.split_at(c.len_utf8()))
}

/// Brace groups nested deeper than this are shown as written: rendering recurses per group, and
/// an abstract of ten thousand `{` must not exhaust the stack.
const MAX_NESTING: usize = 32;

fn render(mut s: &str, math: bool, depth: usize, out: &mut String) {
    if depth > MAX_NESTING {
        out.push_str(s);
        return;
    }
    while let Some(c) = s.chars().next() {
        let rest = &s[c.len_utf8()..];
        match c {
            '\\' => {
                let name_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
                let name = &rest[..name_len];
                let after = &rest[name_len..];
                if name.is_empty() {
                    // `\&`, `\%`, `\$`, `\{`, `\_`; math spacing `\,` `\;` `\ ` `\!`.
                    match after.chars().next() {
                        Some(e @ ('&' | '%' | '$' | '#' | '_' | '{' | '}')) => out.push(e),
                        Some(',' | ';' | ':' | ' ') => out.push(' '),
                        Some('|') if math => out.push('‖'),
                        Some('!') => {}
                        Some(other) => {
                            out.push('\\');
                            out.push(other);
                        }
                        None => out.push('\\'),
                    }
                    s = after
                        .get(after.chars().next().map_or(0, char::len_utf8)..)
                        .unwrap_or("");
                    continue;
                }
                if name == "href" {
                    // `\href{url}{label}`: the label, then the address when it is a web one
                    // (another scheme, `javascript:` say, is no use as text).
                    let url_and_label = group(after).and_then(|(url, rest)| Some((url, group(rest.trim_start())?)));
                    if let Some((url, (label, tail))) = url_and_label {
                        render(label, math, depth + 1, out);
                        if url.starts_with("https://") || url.starts_with("http://") {
                            out.push_str(" (");
                            out.push_str(url);
                            out.push(')');
                        }
                        s = tail;
                        continue;
                    }
                }
                if WRAPPERS.contains(&name) {
                    if let Some((inside, tail)) = group(after.trim_start()) {
                        render(inside, math, depth + 1, out);
                        s = tail;
                        continue;
                    }
                }
                if let Some((_, symbol)) = SYMBOLS.iter().find(|(n, _)| *n == name) {
                    out.push_str(symbol);
                    // `\LaTeX{}` ends the command without a space.
                    s = after.strip_prefix("{}").unwrap_or(after);
                    continue;
                }
                // Unknown: as written, with its argument.
                out.push('\\');
                out.push_str(name);
                s = after;
                if let Some((inside, tail)) = group(after) {
                    out.push('{');
                    out.push_str(inside);
                    out.push('}');
                    s = tail;
                }
            }
            '^' | '_' if math => {
                let map = if c == '^' { superscript } else { subscript };
                match script_argument(rest) {
                    Some((arg, tail)) => {
                        let mapped: Option<String> = arg.chars().map(map).collect();
                        match mapped {
                            Some(m) if !arg.is_empty() => out.push_str(&m),
                            _ => {
                                out.push(c);
                                let mut inner = String::new();
                                render(arg, math, depth + 1, &mut inner);
                                if inner.chars().count() > 1 {
                                    out.push('(');
                                    out.push_str(&inner);
                                    out.push(')');
                                } else {
                                    out.push_str(&inner);
                                }
                            }
                        }
                        s = tail;
                    }
                    None => {
                        out.push(c);
                        s = rest;
                    }
                }
            }
            '{' | '}' if math => s = rest,
            '{' => match group(s) {
                Some((inside, tail)) => {
                    render(inside, math, depth + 1, out);
                    s = tail;
                }
                None => {
                    out.push(c);
                    s = rest;
                }
            },
            // A tie between words (`Bu~and~Tao`) is a no-break space; a tilde that starts a
            // word (`(~10%)`, `~35%`) means "about", as abstracts use it.
            '~' if !math && out.ends_with(|c: char| !c.is_whitespace() && c != '(' && c != '[') => {
                out.push('\u{a0}');
                s = rest;
            }
            _ => {
                out.push(c);
                s = rest;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_found_and_nothing_is_lost() {
        let text = r"Loss $\alpha + \beta^2$ and $$\sum_i x_i$$ or \(x\) costs \$5 end";
        let spans = split_math(text);
        let formulas: Vec<_> = spans.iter().filter(|s| matches!(s, Span::Math { .. })).collect();
        assert_eq!(formulas.len(), 3);
        let joined: String = spans
            .iter()
            .map(|s| match s {
                Span::Text(t) => *t,
                Span::Math { written, .. } => *written,
            })
            .collect();
        assert_eq!(joined, text);
        for plain in ["costs $5", "a \\$ sign $x", "$ $", "plain", ""] {
            assert!(split_math(plain).iter().all(|s| matches!(s, Span::Text(_))), "{plain}");
        }
    }

    #[test]
    fn plain_text_reads_like_the_rendered_page() {
        let cases = [
            (
                r"Scaling Laws for $\alpha$-Divergence Training",
                "Scaling Laws for α-Divergence Training",
            ),
            (r"\emph{Sparse} and \textbf{fast}", "Sparse and fast"),
            (
                r"An $O(n^2)$ bound for $\ell_1$ and $x_{10}$",
                "An O(n²) bound for ℓ₁ and x₁₀",
            ),
            (r"$\mathcal{O}(\log n)$ time, $e^{i\pi}$", "O(log n) time, e^(iπ)"),
            (r"R\&D at 50\% \$", "R&D at 50% $"),
            (
                "Bu~and~Tao cut (~10%) to ~35%",
                "Bu\u{a0}and\u{a0}Tao cut (~10%) to ~35%",
            ),
            (r"$\leq 3$ and $a \to b$", "≤ 3 and a → b"),
            (r"$\|h_i - h_j\| \geq \epsilon$", "‖h_i - h_j‖ ≥ ε"),
            (
                r"Code: \href{https://x.org/a}{here}, \url{https://x.org}; \href{javascript:alert(1)}{this}",
                "Code: here (https://x.org/a), https://x.org; this",
            ),
            (r"Keeps \unknown{x} and costs $5", r"Keeps \unknown{x} and costs $5"),
            ("no TeX at all", "no TeX at all"),
        ];
        for (tex, plain) in cases {
            assert_eq!(to_plain_text(tex), plain, "{tex}");
        }
    }

    #[test]
    fn excerpts_never_cut_a_formula() {
        let text = r"We bound $\sum_{i=1}^{n} x_i^2$ by a constant and more words follow";
        for max in 0..text.len() {
            let cut = excerpt(text, max);
            let dollars = cut.matches('$').count();
            assert_eq!(dollars % 2, 0, "{max}: {cut}");
            if cut != text {
                assert!(cut.ends_with('…'), "{max}: {cut}");
                assert!(cut.chars().count() <= text.chars().count(), "{max}: {cut}");
            }
        }
        assert_eq!(excerpt(text, 8), "We bound…");
        assert_eq!(excerpt(text, 20), "We bound…", "the formula reads as 13 characters");
        assert_eq!(excerpt(text, 30), "We bound $\\sum_{i=1}^{n} x_i^2$ by a…");
        assert_eq!(excerpt("short $x$", 100), "short $x$");
        assert_eq!(excerpt("one two three four", 10), "one two…", "like text::excerpt");
    }

    #[test]
    fn deeply_nested_braces_are_bounded() {
        let deep = format!("{}x{}", "{".repeat(9_000), "}".repeat(9_000));
        let plain = to_plain_text(&deep);
        assert!(plain.contains('x') && plain.len() <= deep.len(), "shown, not lost");
        let wrapped = format!("{}x{}", "\\emph{".repeat(3_000), "}".repeat(3_000));
        assert!(to_plain_text(&wrapped).contains('x'));
        let formula = format!("${}x{}$", "{".repeat(900), "}".repeat(900));
        assert!(to_plain_text(&formula).contains('x'));
        assert_eq!(excerpt(&formula, 10), formula, "reads as one character");
    }

    #[test]
    fn broken_tex_never_panics_and_keeps_its_characters() {
        for odd in [
            r"\",
            r"$\$",
            r"{",
            r"}",
            r"$^$",
            r"$x^{$",
            r"\emph{",
            r"$_{{}}$ é \é",
            "ü$é$",
        ] {
            let plain = to_plain_text(odd);
            assert!(plain.len() <= odd.len() * 4, "{odd}");
        }
    }
}

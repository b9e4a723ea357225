//! Comments: Markdown with a safe subset, rendered to HTML that is safe by construction.
//!
//! Nothing the author wrote reaches the page as markup: raw HTML in the Markdown is shown as
//! text, links keep only `http`, `https` and `mailto` targets (and site-relative paths) and
//! get `rel="nofollow ugc noopener"`, images become links (no third-party fetches; the CSP
//! forbids them anyway), and `$…$` / `$$…$$` math becomes MathML from the allowlisted renderer.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::feeds::escape;
use crate::math::to_mathml;

/// The longest comment accepted, in characters.
pub const MAX_COMMENT_CHARS: usize = 10_000;

/// Renders a comment body to safe HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_MATH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // Raw HTML from the author is shown, not obeyed.
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::Link { dest_url, title, .. }) | Event::Start(Tag::Image { dest_url, title, .. }) => {
            Event::Html(CowStr::from(open_link(&dest_url, &title)))
        }
        Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => Event::Html(CowStr::from("</a>")),
        Event::InlineMath(tex) => math(&tex, false),
        Event::DisplayMath(tex) => math(&tex, true),
        // Headings inside a comment would outrank the page's own: shown as strong paragraphs.
        Event::Start(Tag::Heading { .. }) => Event::Html(CowStr::from("<p><strong>")),
        Event::End(TagEnd::Heading(_)) => Event::Html(CowStr::from("</strong></p>")),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

fn open_link(url: &str, title: &str) -> String {
    let title = if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape(title))
    };
    match safe_url(url) {
        Some(url) => format!("<a href=\"{}\" rel=\"nofollow ugc noopener\"{title}>", escape(url)),
        // A link to somewhere unsafe keeps its text but goes nowhere.
        None => "<a>".to_string(),
    }
}

/// The URL when it is safe to link to: http(s), mailto, or a path on this site.
fn safe_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let allowed = ["http://", "https://", "mailto:"].iter().any(|s| lower.starts_with(s))
        || (url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\"));
    (allowed && !url.chars().any(|c| c.is_control() || c.is_whitespace())).then_some(url)
}

fn math(tex: &str, display: bool) -> Event<'static> {
    match to_mathml(tex, display) {
        Some(mathml) => Event::Html(CowStr::from(mathml)),
        None => {
            let delimiter = if display { "$$" } else { "$" };
            Event::Text(CowStr::from(format!("{delimiter}{tex}{delimiter}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_markdown() {
        let html = render("Nice **result**, see [the code](https://github.com/x/y).\n\n- one\n- `two`");
        assert!(html.contains("<strong>result</strong>"), "{html}");
        assert!(
            html.contains("<a href=\"https://github.com/x/y\" rel=\"nofollow ugc noopener\">the code</a>"),
            "{html}"
        );
        assert!(html.contains("<li><code>two</code></li>"), "{html}");
    }

    #[test]
    fn renders_math() {
        let html = render("The loss $\\mathcal{L} = x^2$ is convex.");
        assert!(html.contains("<math"), "{html}");
        assert!(!html.contains('$'), "{html}");
    }

    #[test]
    fn neutralises_hostile_input() {
        let payloads = [
            r#"<script>alert(1)</script>"#,
            r#"<img src=x onerror=alert(1)>"#,
            r#"[click](javascript:alert(1))"#,
            r#"[click](JaVaScRiPt:alert(1))"#,
            r#"[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"#,
            r#"![x](javascript:alert(1))"#,
            r#"[x](//evil.example/)"#,
            r#"<a href="javascript:alert(1)">x</a>"#,
            r#"<iframe src="https://evil.example"></iframe>"#,
            r#"[x](https://ok.example "\" onmouseover=\"alert(1)")"#,
            r#"<svg/onload=alert(1)>"#,
            r#"$\href{javascript:alert(1)}{x}$"#,
            r#"<style>body{display:none}</style>"#,
            r#"[a](<javascript:alert(1)>)"#,
            r#"[a](&#106;avascript:alert(1))"#,
        ];
        for payload in payloads {
            let html = render(payload);
            for tag in tags(&html) {
                let name = tag.trim_start_matches('/').split([' ', '>']).next().unwrap_or_default();
                assert!(ALLOWED.contains(&name), "{payload:?} rendered as {html:?}: <{tag}>");
                let lower = tag.to_ascii_lowercase();
                // Attribute names only: quoted values (escaped) may say anything.
                let names: String = lower.split('"').step_by(2).collect();
                assert!(!names.contains(" on"), "{payload:?} rendered as {html:?}: <{tag}>");
                if let Some((_, href)) = lower.split_once("href=\"") {
                    assert!(href.starts_with("http"), "{payload:?}: <{tag}>");
                }
            }
        }
    }

    const ALLOWED: &[&str] = &[
        "p",
        "a",
        "strong",
        "em",
        "code",
        "pre",
        "ul",
        "ol",
        "li",
        "blockquote",
        "del",
        "br",
        "hr",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "math",
        "mi",
        "mn",
        "mo",
        "mrow",
        "mtext",
        "merror",
    ];

    /// The contents of every `<…>` in `html` (text is escaped, so `<` only opens real tags).
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or_default())
            .collect()
    }
}

//! A minimal cookie-keeping HTTP client for the community tests: it behaves like a browser
//! for cookies and forms (no redirects followed, so tests see each `Set-Cookie`).

use std::collections::BTreeMap;

/// A response, read whole, with the headers tests look at.
pub struct Response {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: Vec<(String, String)>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The value of the first `name="csrf"` hidden field.
    pub fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
        self.body[at..].split('"').next().unwrap().to_string()
    }
}

pub struct Browser {
    base_url: String,
    agent: ureq::Agent,
    pub cookies: BTreeMap<String, String>,
    /// Extra headers sent with every request (`Authorization`, `Origin`).
    pub headers: Vec<(String, String)>,
}

impl Browser {
    pub fn new(base_url: &str) -> Browser {
        Browser::with_timeout(base_url, None)
    }

    /// A browser that gives up on a request after `timeout` (`None`: never).
    pub fn with_timeout(base_url: &str, timeout: Option<std::time::Duration>) -> Browser {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(timeout)
            .build()
            .into();
        Browser {
            base_url: base_url.to_string(),
            agent,
            cookies: BTreeMap::new(),
            headers: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn finish(&mut self, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Response {
        let mut response = result.expect("the server answers");
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let set_cookies: Vec<String> = headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.clone())
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || cookie.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
        let location = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("location"))
            .map(|(_, v)| v.clone());
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Response {
            status,
            body,
            location,
            set_cookies,
            headers,
        }
    }

    pub fn get(&mut self, path: &str) -> Response {
        let mut request = self.agent.get(&format!("{}{path}", self.base_url));
        request = request.header("cookie", &self.cookie_header());
        for (k, v) in &self.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let result = request.call();
        self.finish(result)
    }

    /// Posts a form.
    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut request = self.agent.post(&format!("{}{path}", self.base_url));
        request = request.header("cookie", &self.cookie_header());
        for (k, v) in &self.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let result = request.send_form(form.iter().copied());
        self.finish(result)
    }

    /// Sends JSON (or nothing) with `method`.
    pub fn json(&mut self, method: &str, path: &str, body: Option<serde_json::Value>) -> Response {
        let url = format!("{}{path}", self.base_url);
        let builder = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("cookie", self.cookie_header())
            .header("content-type", "application/json");
        let builder = self
            .headers
            .iter()
            .fold(builder, |b, (k, v)| b.header(k.as_str(), v.as_str()));
        let request = builder.body(body.map(|b| b.to_string()).unwrap_or_default()).unwrap();
        let result = self.agent.run(request);
        self.finish(result)
    }

    /// Posts `fields` and one file as `multipart/form-data` (what a browser sends for a form
    /// with `enctype="multipart/form-data"`).
    pub fn upload(&mut self, path: &str, fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Response {
        let url = format!("{}{path}", self.base_url);
        let builder = ureq::http::Request::builder()
            .method("POST")
            .uri(&url)
            .header("cookie", self.cookie_header())
            .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"));
        let builder = self
            .headers
            .iter()
            .fold(builder, |b, (k, v)| b.header(k.as_str(), v.as_str()));
        let result = self.agent.run(builder.body(multipart(fields, file)).unwrap());
        self.finish(result)
    }

    /// Signs up through the form; returns the response to the POST.
    pub fn sign_up(&mut self, name: &str, email: &str, password: &str) -> Response {
        let csrf = self.get("/signup").csrf();
        self.post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("name", name),
                ("email", email),
                ("password", password),
            ],
        )
    }

    pub fn sign_in(&mut self, login: &str, password: &str) -> Response {
        let csrf = self.get("/signin").csrf();
        self.post(
            "/signin",
            &[("csrf", &csrf), ("login", login), ("password", password), ("next", "/")],
        )
    }

    /// The CSRF token of the current session (from a page's forms).
    pub fn page_csrf(&mut self, path: &str) -> String {
        self.get(path).csrf()
    }
}

const BOUNDARY: &str = "----paperboy-test-boundary-7MA4YWxkTrZu0gW";

/// The `multipart/form-data` body [`Browser::upload`] sends: `fields`, then the file
/// `(field name, file name, content)`.
pub fn multipart(fields: &[(&str, &str)], file: (&str, &str, &[u8])) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    let (name, filename, content) = file;
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

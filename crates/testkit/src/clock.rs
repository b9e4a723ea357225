//! Tests that name "today" or "yesterday" and then ask a server about it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How close to midnight UTC a test waits rather than starts.
const MARGIN: Duration = Duration::from_secs(180);

/// Returns at once, unless midnight UTC is less than three minutes away: then it sleeps until
/// just after it. A test calls it before it takes today's date, so that the date it takes and
/// the one the server takes in the next minutes are the same.
pub fn clear_of_midnight() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    let into_day = Duration::from_secs(now.as_secs() % 86_400);
    let left = Duration::from_secs(86_400) - into_day;
    if left < MARGIN {
        eprintln!("waiting {left:?} for midnight UTC to pass");
        std::thread::sleep(left + Duration::from_secs(2));
    }
}

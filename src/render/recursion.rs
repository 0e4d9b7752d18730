//! A guard against templates that recurse without end: koho's template functions and filters
//! refuse to run when the thread's stack is nearly used up, so such a theme fails with an
//! error naming the template instead of aborting the process with a stack overflow.

use std::collections::HashMap;

use tera::{Filter, Function, Value};

/// Stack left (bytes) below which a function or filter refuses to run: more than the deepest
/// stretch of Tera's rendering between two calls, so the refusal comes before the overflow.
const RESERVE_BYTES: usize = 512 * 1024;

/// An error when the current thread has less than `RESERVE_BYTES` of stack left
/// (`stacker::remaining_stack`; None on platforms where it cannot tell, which pass).
pub fn check() -> tera::Result<()> {
    match stacker::remaining_stack() {
        Some(left) if left < RESERVE_BYTES => Err(tera::Error::msg(
            "the templates recurse without end: an {% include %} or a macro renders itself \
             again and again (through a condition that never turns false?); make every \
             recursion stop",
        )),
        _ => Ok(()),
    }
}

/// A template function that runs only with enough stack left (`check`).
pub struct Guarded<T>(pub T);

impl<T: Function> Function for Guarded<T> {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        check()?;
        self.0.call(args)
    }

    fn is_safe(&self) -> bool {
        self.0.is_safe()
    }
}

impl<T: Filter> Filter for Guarded<T> {
    fn filter(&self, value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
        check()?;
        self.0.filter(value, args)
    }

    fn is_safe(&self) -> bool {
        self.0.is_safe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_with_its_stack_used_up_is_refused() {
        // A thread whose whole stack is smaller than the reserve: always refused.
        let small = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(check)
            .unwrap()
            .join()
            .unwrap();
        let message = small.unwrap_err().to_string();
        assert!(message.contains("recurse without end"), "{message}");
        let large = std::thread::Builder::new()
            .stack_size(4 * 1024 * 1024)
            .spawn(check)
            .unwrap()
            .join()
            .unwrap();
        assert!(large.is_ok());
    }
}

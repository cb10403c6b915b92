"""Notify: notices to applicants by e-mail and in-account inbox."""

"""Attachments from reporters, cleaned before anyone sees them: pictures (images), sound and
video (recordings, copied by a child process, remux), and the one entry point (clean)."""

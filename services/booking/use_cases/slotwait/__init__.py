"""The waitlist for freed time (issue 11.4): customers wait for a service (and optionally a
master) on a range of days; freed time that matches is offered to them (`freed`), one tap
books it (`take`), and they see and leave their entries (`entries`)."""

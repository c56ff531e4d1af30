"""The sign-in screens of staff and auditors: password, second factor, enrolment, recovery
codes and password change, one flow that each console's blueprint routes to its own URLs."""

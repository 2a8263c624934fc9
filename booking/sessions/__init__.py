"""What the server keeps of a person's visits: their login sessions, the create forms they
have sent (so that a form sent twice makes one thing), and the throttle on logging in."""

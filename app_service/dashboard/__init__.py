"""The operator dashboard, served by the API's Flask app at `/`.

Sign-in is with an API key: the key is checked once, and the session (a signed, HttpOnly,
Secure, SameSite=Strict cookie) keeps only the key's id, which is re-checked on every request,
so revoking the key ends the session. Every form carries a CSRF token. Pages read the tenant's
data through the same row-level security as the API; a read-scoped key sees everything and can
change nothing. Charts are server-rendered SVG (no scripts, no CDN)."""

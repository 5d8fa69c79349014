"""HTTP: the requests session, cancellable sockets, retry policy, SSE decoder, cancel
token and redaction. The one place where requests/urllib3 errors become ours.
"""

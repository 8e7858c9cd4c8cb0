class Refused(Exception):
    """A frame or post the server will not act on; becomes the contract's `error` frame
    (chat/server_frames.py)."""

    def __init__(self, code, detail, client_id=None, retry_after=None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.client_id = client_id
        self.retry_after = retry_after  # seconds until the same frame would be taken, when known


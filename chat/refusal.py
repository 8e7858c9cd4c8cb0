class Refused(Exception):
    """A frame or post the server will not act on; becomes the contract's `error` frame."""

    def __init__(self, code, detail, client_id=None, retry_after=None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.client_id = client_id
        self.retry_after = retry_after  # seconds until the same frame would be taken, when known

    def as_frame(self):
        frame = {"type": "error", "code": self.code, "detail": self.detail, "client_id": self.client_id}
        if self.retry_after is not None:
            frame["retry_after"] = self.retry_after
        return frame

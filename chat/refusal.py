class Refused(Exception):
    """A frame or post the server will not act on; becomes the contract's `error` frame."""

    def __init__(self, code, detail, client_id=None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.client_id = client_id

    def as_frame(self):
        return {"type": "error", "code": self.code, "detail": self.detail, "client_id": self.client_id}

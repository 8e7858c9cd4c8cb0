"""The HTTP API's JSON answers."""

from django.http import JsonResponse


class JsonAnswer(JsonResponse):
    """Django's JsonResponse with text as written (UTF-8, as in the socket's frames), not \\u escapes:
    a person reading an answer in the browser sees the words, Japanese included."""

    def __init__(self, data, **kwargs):
        super().__init__(data, json_dumps_params={"ensure_ascii": False}, **kwargs)

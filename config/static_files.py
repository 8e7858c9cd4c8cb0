"""WhiteNoise serving static files, with a body an ASGI server can read without a warning.

WhiteNoise hands Django a FileResponse, whose body is a synchronous iterator. Under ASGI Django warns
("StreamingHttpResponse must consume synchronous iterators in order to serve them asynchronously")
and reads the whole file into memory in a thread. Here an ASGI request gets the same response (status,
headers, ranges, compressed variants: all WhiteNoise's) with a body read in chunks in a worker thread.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import StreamingHttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware

CHUNK_BYTES = 64 * 1024  # most files here fit in one


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def serve(self, static_file, request):
        if not isinstance(request, ASGIRequest):
            return super().serve(static_file, request)
        answer = static_file.get_response(request.method, request.META)
        response = StreamingHttpResponse(_read_in_thread(answer.file), status=int(answer.status))
        del response["Content-Type"]  # WhiteNoise's headers name it
        for name, value in answer.headers:
            response[name] = value
        return response


async def _read_in_thread(file):
    if file is None:  # HEAD, 304
        return
    read = sync_to_async(file.read, thread_sensitive=False)
    try:
        while chunk := await read(CHUNK_BYTES):
            yield chunk
    finally:
        file.close()

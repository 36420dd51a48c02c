"""Validators and cached answers that follow every change (see partnership/caching.py).

`Last-Modified` is never earlier than the content's last change, child rows included (a new
delivery moves an order list's date), nor than the last scheduled record come due. Anonymous
reads are kept in the shared cache under the content's version: any write, or a scheduled
record coming due, makes every worker compute them afresh. Throttling and parameter checks run
before the cache is read (the cached call is the handler, after `initial`)."""

import contextlib
import json

from django.utils import translation
from rest_framework.response import Response
from rest_framework.utils import encoders

from .. import caching


class FreshAnswers:
    last_modified = None
    content_stamp = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD"):
            return
        self.content_stamp = caching.stamp()
        method = request.method.lower()
        handler = getattr(self, method, None)
        if handler is not None and not request.user.is_authenticated:
            setattr(self, method, self.cached(handler))

    def cached(self, handler):
        def answer(request, *args, **kwargs):
            key = caching.answer_key(
                self.content_stamp,
                f"{type(self).__module__}.{type(self).__qualname__}",
                getattr(self, "action", None) or "",
                request.get_full_path(),
                translation.get_language() or "",
                getattr(request, "accepted_media_type", "") or "",
            )
            found = caching.cached_answer(key)
            if found is not None:
                data, self.last_modified = found
                return Response(data)
            response = handler(request, *args, **kwargs)
            if (
                isinstance(response, Response)
                and response.status_code == 200
                and not response.exception
                and {name.lower() for name in response.headers} <= {"content-type"}
            ):
                # Kept as plain JSON values (what any renderer makes the same answer from); an
                # answer that cannot be is computed each time.
                with contextlib.suppress(TypeError, ValueError):
                    plain = json.loads(json.dumps(response.data, cls=encoders.JSONEncoder))
                    caching.keep_answer(key, (plain, self.last_modified))
            return response

        return answer

    def finalize_response(self, request, response, *args, **kwargs):
        if self.content_stamp is not None:
            latest = self.content_stamp.last_modified
            if self.last_modified is None or self.last_modified < latest:
                self.last_modified = latest
        return super().finalize_response(request, response, *args, **kwargs)

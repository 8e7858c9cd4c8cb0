from django import forms

LIMIT_DEFAULT, LIMIT_MAX = 50, 200
ID_MAX = 2**63 - 1


class HistoryQuery(forms.Form):
    """The query of GET /api/messages/: at most one of before/after, and a page size."""

    before = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    after = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX)
    limit = forms.IntegerField(required=False, min_value=1, max_value=LIMIT_MAX)

    def clean(self):
        data = super().clean()
        if data.get("before") is not None and data.get("after") is not None:
            raise forms.ValidationError("Give before or after, not both.", code="both")
        if data.get("limit") is None:
            data["limit"] = LIMIT_DEFAULT
        return data

    def first_error(self):
        """(parameter, message) of the first problem, for the 400 answer."""
        for field, errors in self.errors.get_json_data().items():
            return ("before/after" if field == "__all__" else field), errors[0]["message"]


EVENTS_LIMIT_DEFAULT, EVENTS_LIMIT_MAX = 100, 500


class EventsQuery(forms.Form):
    """The query of GET /api/events/: the seq to follow on from, and a page size."""

    since = forms.IntegerField(required=False, min_value=0, max_value=ID_MAX)
    limit = forms.IntegerField(required=False, min_value=1, max_value=EVENTS_LIMIT_MAX)

    def clean(self):
        data = super().clean()
        data["since"] = data.get("since") or 0
        data["limit"] = data.get("limit") or EVENTS_LIMIT_DEFAULT
        return data

    def first_error(self):
        for field, errors in self.errors.get_json_data().items():
            return field, errors[0]["message"]

from config.errors import Invalid, Unauthorized


def test_fields_are_lists_of_messages_at_every_depth():
    """A batch's errors are fields by item index: each message becomes a list, as for one field."""
    error = Invalid("0: path: Required.", fields={"0": {"path": "Required.", "ip": ["Bad.", "Worse."]}, "top": "No."})
    assert error.fields == {"0": {"path": ["Required."], "ip": ["Bad.", "Worse."]}, "top": ["No."]}


def test_unauthorized_is_a_401():
    error = Unauthorized("Invalid or missing API key.")
    assert (error.status, error.code, error.message, error.fields) == (
        401,
        "authentication_failed",
        "Invalid or missing API key.",
        {},
    )

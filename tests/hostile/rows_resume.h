/* The hostile-input catalogue, part 5: GET + Last-Event-ID resumption with ids that belong to
 * another session, are malformed, or come with a session that is not this one's.
 *
 * The runner (catalogue_resume in test_hostile.c) makes session A answer three POSTs on SSE
 * streams whose answers carry a marker, then sends each row on session B (or the session the
 * row names). An answer of 200 must be an event stream that never carries A's marker.
 * Stream numbers are unique in the server, so a well-formed id of A's names no stream of B:
 * 405, the answer for "nothing to resume" that makes clients stop; ids that do not parse are a
 * plain GET (the session's own stream). */
#ifndef MCPD_HOSTILE_ROWS_RESUME_H
#define MCPD_HOSTILE_ROWS_RESUME_H

enum resume_id {
    RID_LITERAL, /* the row's text */
    RID_A_LAST,  /* session A's last event id (a stream B never had) */
    RID_A_FIRST, /* session A's first event id (B has a stream with that number, finished) */
};

struct resume_row {
    const char *cls;
    enum resume_id id;
    const char *text;
    enum sid_kind sid; /* SID_LIVE = session B */
    int status;
};

static const struct resume_row RESUME_ROWS[] = {
    {"foreign", RID_A_LAST, NULL, SID_LIVE, 405},
    {"foreign", RID_A_FIRST, NULL, SID_LIVE, 405},
    {"foreign", RID_A_LAST, NULL, SID_NONE, 400},
    {"foreign", RID_A_LAST, NULL, SID_FORGED, 404},
    {"foreign", RID_A_LAST, NULL, SID_DELETED, 404},
    {"foreign", RID_A_LAST, NULL, SID_MALFORMED, 404},
    {"malformed", RID_LITERAL, "x", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "-", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "1-", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "-1", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "1-1-1", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "1-1.", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "1-1.x", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "99999999999999999999999-1", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "1-99999999999999999999999", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "4294967296-0", SID_LIVE, 405},
    {"malformed", RID_LITERAL, "0-18446744073709551615", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "../../1-1", SID_LIVE, 200},
    {"malformed", RID_LITERAL, "%00", SID_LIVE, 200},
    {"malformed", RID_LITERAL, " 1-1", SID_LIVE, 405},
};

#endif

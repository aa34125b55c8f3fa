/*
 * ears.c - the EARS pattern classifier (spec-tools.md 6.2, EARS-002).
 *
 * Keywords are matched case-insensitively as whole words, except the joining
 * AND, which must be upper case; commas are optional. Only the words before the first SHALL/MUST
 * decide the pattern: ubiquitous  THE <system> SHALL ...          (any subject, no leading keyword)
 *   event       WHEN <trigger>[,] [THEN] <system> SHALL ...
 *   state       WHILE <state>[,] <system> SHALL ...
 *   unwanted    IF <condition>[,] [THEN] <system> SHALL ...
 *   optional    WHERE <feature>[,] <system> SHALL ...
 *   complex     WHILE ... WHEN ... / WHERE ... WHEN ... / WHEN ... AND ... (before SHALL)
 */
#include "spec/model.h"
#include "util.h"

#include <ctype.h>
#include <string.h>

static bool word_is(const char *w, size_t n, const char *kw)
{
    return ieq(w, n, kw);
}

enum spec_ears spec_ears_classify(const char *text, size_t len)
{
    const char *first = NULL;
    size_t first_n = 0, words = 0;
    bool when = false, and_ = false, while_ = false;
    size_t i = 0;

    while (i < len) {
        size_t a, n;
        while (i < len && !isalpha((unsigned char)text[i])) {
            i++;
        }
        a = i;
        while (i < len && (isalnum((unsigned char)text[i]) || text[i] == '_' || text[i] == '\'' ||
                           text[i] == '-')) {
            i++;
        }
        n = i - a;
        if (!n) {
            break;
        }
        if (word_is(text + a, n, "SHALL") || word_is(text + a, n, "MUST")) {
            if (!first) {
                return SPEC_EARS_NONE; /* no subject at all */
            }
            if (word_is(first, first_n, "WHEN")) {
                return and_ ? SPEC_EARS_COMPLEX : SPEC_EARS_EVENT;
            }
            if (word_is(first, first_n, "WHILE")) {
                return when ? SPEC_EARS_COMPLEX : SPEC_EARS_STATE;
            }
            if (word_is(first, first_n, "WHERE")) {
                return when ? SPEC_EARS_COMPLEX : SPEC_EARS_OPTIONAL;
            }
            if (word_is(first, first_n, "IF")) {
                return when || while_ ? SPEC_EARS_COMPLEX : SPEC_EARS_UNWANTED;
            }
            if (word_is(first, first_n, "THEN") || word_is(first, first_n, "AND")) {
                return SPEC_EARS_NONE;
            }
            return words ? SPEC_EARS_UBIQUITOUS : SPEC_EARS_NONE;
        }
        if (!first) {
            first = text + a;
            first_n = n;
        } else if (word_is(text + a, n, "WHEN")) {
            when = true;
        } else if (word_is(text + a, n, "WHILE")) {
            while_ = true;
        } else if (n == 3 && memcmp(text + a, "AND", 3) == 0 && word_is(first, first_n, "WHEN")) {
            /* Upper case only: EARS writes its joining keyword "AND"; a lower-case "and" is
             * plain English inside the trigger ("WHEN a user submits email and password"). */
            and_ = true;
        }
        words++;
    }
    return SPEC_EARS_NONE;
}

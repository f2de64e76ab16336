// string.find, match, gmatch and gsub with Lua 5.4's pattern semantics, every matching step
// charged to the call's fuel. Lua's own matcher backtracks without bound inside one C call
// (`("a"):rep(3000):find(("a-"):rep(12) .. "b")` runs for seconds), where neither the count hook
// nor the memory cap can see it; this one is stopped by the budget like any instruction.
//
// Written for this project from the Lua 5.4 reference manual (section 6.4.1) and its behaviour;
// the unit tests compare every function with Lua's own on ordinary patterns.
#include "sandbox_internal.h"
#include <ctype.h>
#include <string.h>

#define ESCAPE '%'
#define SPECIALS "^$*+?.([%-"
#define MAX_CAPTURES 32    // LUA_MAXCAPTURES
#define MAX_MATCH_DEPTH 200  // MAXCCALLS: recursion depth of one match
#define CAPTURE_UNFINISHED (-1)
#define CAPTURE_POSITION (-2)
/// Steps are counted locally and charged in batches of this many (one charge is a function call).
#define STEPS_PER_CHARGE 256

typedef struct {
    const char *source_start;
    const char *source_end;
    const char *pattern_end;
    lua_State *L;
    int depth_left;
    int level;  // captures open or closed so far
    int steps;  // not yet charged
    struct {
        const char *start;
        ptrdiff_t length;  // or CAPTURE_UNFINISHED / CAPTURE_POSITION
    } capture[MAX_CAPTURES];
} Matcher;

static inline unsigned char byte_at(const char *p) { return (unsigned char)*p; }

static inline void step(Matcher *m) {
    if (++m->steps >= STEPS_PER_CHARGE) {
        m->steps = 0;
        clua_charge(m->L, STEPS_PER_CHARGE);
    }
}

static const char *match(Matcher *m, const char *s, const char *p);

static int check_capture(Matcher *m, int digit) {
    int index = digit - '1';
    if (index < 0 || index >= m->level || m->capture[index].length == CAPTURE_UNFINISHED) {
        return luaL_error(m->L, "invalid capture index %%%d", index + 1);
    }
    return index;
}

static int capture_to_close(Matcher *m) {
    for (int level = m->level - 1; level >= 0; level--) {
        if (m->capture[level].length == CAPTURE_UNFINISHED) return level;
    }
    return luaL_error(m->L, "invalid pattern capture");
}

/// The end of the single-character class starting at p.
static const char *class_end(Matcher *m, const char *p) {
    switch (*p++) {
    case ESCAPE:
        if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    case '[':
        if (*p == '^') p++;
        do {  // look for a ']'
            if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            if (*(p++) == ESCAPE && p < m->pattern_end) p++;  // skip escapes (e.g. '%]')
        } while (*p != ']');
        return p + 1;
    default:
        return p;
    }
}

static int matches_class(int c, int class_letter) {
    int result;
    switch (tolower(class_letter)) {
    case 'a': result = isalpha(c); break;
    case 'c': result = iscntrl(c); break;
    case 'd': result = isdigit(c); break;
    case 'g': result = isgraph(c); break;
    case 'l': result = islower(c); break;
    case 'p': result = ispunct(c); break;
    case 's': result = isspace(c); break;
    case 'u': result = isupper(c); break;
    case 'w': result = isalnum(c); break;
    case 'x': result = isxdigit(c); break;
    case 'z': result = c == 0; break;  // deprecated in Lua 5.2, still understood
    default: return class_letter == c;
    }
    if (isupper(class_letter)) result = !result;
    return result;
}

/// [set] from p (at '[') to ec (at its ']').
static int matches_set(int c, const char *p, const char *ec) {
    int positive = 1;
    if (*(p + 1) == '^') {
        positive = 0;
        p++;
    }
    while (++p < ec) {
        if (*p == ESCAPE) {
            p++;
            if (matches_class(c, byte_at(p))) return positive;
        } else if (*(p + 1) == '-' && p + 2 < ec) {
            p += 2;
            if (byte_at(p - 2) <= c && c <= byte_at(p)) return positive;
        } else if (byte_at(p) == c) {
            return positive;
        }
    }
    return !positive;
}

static int matches_single(Matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->source_end) return 0;
    int c = byte_at(s);
    switch (*p) {
    case '.': return 1;
    case ESCAPE: return matches_class(c, byte_at(p + 1));
    case '[': return matches_set(c, p, ep - 1);
    default: return byte_at(p) == c;
    }
}

static const char *match_balance(Matcher *m, const char *s, const char *p) {
    if (p >= m->pattern_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->source_end || *s != *p) return NULL;
    int open = *p, close = *(p + 1), depth = 1;
    while (++s < m->source_end) {
        step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *max_expand(Matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t count = 0;
    while (matches_single(m, s + count, p, ep)) {
        step(m);
        count++;
    }
    while (count >= 0) {  // try with the most repetitions first, then fewer
        const char *end = match(m, s + count, ep + 1);
        if (end) return end;
        count--;
    }
    return NULL;
}

static const char *min_expand(Matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *end = match(m, s, ep + 1);
        if (end) return end;
        if (!matches_single(m, s, p, ep)) return NULL;
        s++;
    }
}

static const char *start_capture(Matcher *m, const char *s, const char *p, ptrdiff_t what) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->capture[m->level].start = s;
    m->capture[m->level].length = what;
    m->level++;
    const char *end = match(m, s, p);
    if (end == NULL) m->level--;  // undo the capture
    return end;
}

static const char *end_capture(Matcher *m, const char *s, const char *p) {
    int level = capture_to_close(m);
    m->capture[level].length = s - m->capture[level].start;
    const char *end = match(m, s, p);
    if (end == NULL) m->capture[level].length = CAPTURE_UNFINISHED;
    return end;
}

static const char *match_capture(Matcher *m, const char *s, int digit) {
    int index = check_capture(m, digit);
    size_t length = (size_t)m->capture[index].length;
    if ((size_t)(m->source_end - s) >= length && memcmp(m->capture[index].start, s, length) == 0) {
        return s + length;
    }
    return NULL;
}

/// Matches pattern p against the source from s: the end of the match, or NULL.
static const char *match(Matcher *m, const char *s, const char *p) {
    if (m->depth_left-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        step(m);
        if (p == m->pattern_end) break;
        const char *ep;
        switch (*p) {
        case '(':
            s = *(p + 1) == ')' ? start_capture(m, s, p + 2, CAPTURE_POSITION)
                                : start_capture(m, s, p + 1, CAPTURE_UNFINISHED);
            goto done;
        case ')':
            s = end_capture(m, s, p + 1);
            goto done;
        case '$':
            if (p + 1 != m->pattern_end) goto single;  // '$' only anchors at the pattern's end
            s = s == m->source_end ? s : NULL;
            goto done;
        case ESCAPE:
            switch (*(p + 1)) {
            case 'b':
                s = match_balance(m, s, p + 2);
                if (s != NULL) {
                    p += 4;
                    continue;
                }
                goto done;
            case 'f': {
                p += 2;
                if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                ep = class_end(m, p);
                int previous = s == m->source_start ? '\0' : byte_at(s - 1);
                int current = s < m->source_end ? byte_at(s) : '\0';
                if (!matches_set(previous, p, ep - 1) && matches_set(current, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                goto done;
            }
            case '0': case '1': case '2': case '3': case '4':
            case '5': case '6': case '7': case '8': case '9':
                s = match_capture(m, s, byte_at(p + 1));
                if (s != NULL) {
                    p += 2;
                    continue;
                }
                goto done;
            default:
                goto single;
            }
        default:
        single:
            ep = class_end(m, p);
            if (!matches_single(m, s, p, ep)) {
                if (*ep == '*' || *ep == '?' || *ep == '-') {  // zero repetitions are fine
                    p = ep + 1;
                    continue;
                }
                s = NULL;
                goto done;
            }
            switch (*ep) {
            case '?': {
                const char *end = match(m, s + 1, ep + 1);
                if (end != NULL) {
                    s = end;
                    goto done;
                }
                p = ep + 1;
                continue;
            }
            case '+': s = max_expand(m, s + 1, p, ep); goto done;
            case '*': s = max_expand(m, s, p, ep); goto done;
            case '-': s = min_expand(m, s, p, ep); goto done;
            default:
                s++;
                p = ep;
                continue;
            }
        }
    }
done:
    m->depth_left++;
    return s;
}

// ---------------------------------------------------------------------------------------------
// Captures and the library functions

/// Gets capture i (the whole match when there are none); pushes position captures.
static ptrdiff_t get_capture(Matcher *m, int i, const char *s, const char *e, const char **start) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        *start = s;
        return e - s;
    }
    ptrdiff_t length = m->capture[i].length;
    *start = m->capture[i].start;
    if (length == CAPTURE_UNFINISHED) luaL_error(m->L, "unfinished capture");
    if (length == CAPTURE_POSITION) lua_pushinteger(m->L, (m->capture[i].start - m->source_start) + 1);
    return length;
}

static void push_capture(Matcher *m, int i, const char *s, const char *e) {
    const char *start;
    ptrdiff_t length = get_capture(m, i, s, e, &start);
    if (length != CAPTURE_POSITION) lua_pushlstring(m->L, start, (size_t)length);
}

static int push_captures(Matcher *m, const char *s, const char *e) {
    int count = (m->level == 0 && s) ? 1 : m->level;
    luaL_checkstack(m->L, count, "too many captures");
    for (int i = 0; i < count; i++) push_capture(m, i, s, e);
    return count;
}

static void prepare(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->source_start = s;
    m->source_end = s + ls;
    m->pattern_end = p + lp;
    m->steps = 0;
}

static void restart(Matcher *m) {
    m->level = 0;
    m->depth_left = MAX_MATCH_DEPTH;
}

/// A 1-based start position as Lua reads it (negative counts from the end).
static size_t relative_position(lua_Integer position, size_t length) {
    if (position > 0) return (size_t)position;
    if (position == 0) return 1;
    if (position < -(lua_Integer)length) return 1;
    return length + (size_t)position + 1;
}

static int has_specials(const char *p, size_t lp) {
    size_t upto = 0;
    do {  // the pattern may hold zeros: look at each zero-terminated piece
        if (strpbrk(p + upto, SPECIALS)) return 1;
        upto += strlen(p + upto) + 1;
    } while (upto <= lp);
    return 0;
}

/// Plain substring search, charged per candidate position and per byte compared.
static const char *find_plain(lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *last_start = s + (ls - lp);
    int64_t units = 0;
    while (s <= last_start) {
        const char *candidate = memchr(s, *p, (size_t)(last_start - s) + 1);
        if (candidate == NULL) break;
        units += 1 + clua_units_for_bytes((size_t)(candidate - s) + lp);
        if (units >= STEPS_PER_CHARGE) {
            clua_charge(L, units);
            units = 0;
        }
        if (memcmp(candidate + 1, p + 1, lp - 1) == 0) return candidate;
        s = candidate + 1;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = relative_position(luaL_optinteger(L, 3, 1), ls);
    if (init > ls + 1) {  // the start is past the end: no match
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *found = find_plain(L, s + init - 1, ls - init + 1, p, lp);
        if (found) {
            lua_pushinteger(L, (found - s) + 1);
            lua_pushinteger(L, (lua_Integer)((found - s) + lp));
            return 2;
        }
    } else {
        Matcher m;
        const char *start = s + init - 1;
        int anchored = *p == '^';
        if (anchored) {
            p++;
            lp--;
        }
        prepare(&m, L, s, ls, p, lp);
        do {
            restart(&m);
            const char *end = match(&m, start, p);
            if (end != NULL) {
                if (find) {
                    lua_pushinteger(L, (start - s) + 1);
                    lua_pushinteger(L, end - s);
                    return push_captures(&m, NULL, NULL) + 2;
                }
                return push_captures(&m, start, end);
            }
        } while (start++ < m.source_end && !anchored);
    }
    luaL_pushfail(L);
    return 1;
}

static int budgeted_find(lua_State *L) { return find_or_match(L, 1); }
static int budgeted_match(lua_State *L) { return find_or_match(L, 0); }

typedef struct {
    const char *source;
    const char *pattern;
    const char *last_match;
    Matcher m;
} GmatchState;

static int gmatch_next(lua_State *L) {
    GmatchState *state = (GmatchState *)lua_touserdata(L, lua_upvalueindex(3));
    state->m.L = L;
    for (const char *s = state->source; s <= state->m.source_end; s++) {
        restart(&state->m);
        const char *end = match(&state->m, s, state->pattern);
        if (end != NULL && end != state->last_match) {
            state->source = state->last_match = end;
            return push_captures(&state->m, s, end);
        }
    }
    return 0;
}

static int budgeted_gmatch(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = relative_position(luaL_optinteger(L, 3, 1), ls) - 1;
    lua_settop(L, 2);  // the strings stay alive as upvalues of the iterator
    GmatchState *state = (GmatchState *)lua_newuserdatauv(L, sizeof(GmatchState), 0);
    if (init > ls) init = ls + 1;  // start after the end: nothing matches
    prepare(&state->m, L, s, ls, p, lp);
    state->source = s + init;
    state->pattern = p;
    state->last_match = NULL;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

/// Appends the replacement string (argument 3) with its %0-%9 and %% for one match.
static void add_replacement_string(Matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    size_t length;
    lua_State *L = m->L;
    const char *text = lua_tolstring(L, 3, &length);
    const char *escape;
    clua_charge(L, clua_units_for_bytes(length));
    while ((escape = memchr(text, ESCAPE, length)) != NULL) {
        luaL_addlstring(b, text, (size_t)(escape - text));
        escape++;
        if (*escape == ESCAPE) {
            luaL_addchar(b, *escape);
        } else if (*escape == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit(byte_at(escape))) {
            const char *start;
            ptrdiff_t capture_length = get_capture(m, *escape - '1', s, e, &start);
            if (capture_length == CAPTURE_POSITION) {
                luaL_addvalue(b);
            } else {
                luaL_addlstring(b, start, (size_t)capture_length);
            }
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", ESCAPE);
        }
        length -= (size_t)(escape + 1 - text);
        text = escape + 1;
    }
    luaL_addlstring(b, text, length);
}

/// Appends the replacement for one match; returns whether the text changed.
static int add_replacement(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int type) {
    lua_State *L = m->L;
    switch (type) {
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int count = push_captures(m, s, e);
        lua_call(L, count, 1);
        break;
    }
    case LUA_TTABLE:
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
        break;
    default:  // a number or a string
        add_replacement_string(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {  // nil or false: keep the original text
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) {
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    }
    luaL_addvalue(b);
    return 1;
}

static int budgeted_gsub(lua_State *L) {
    size_t ls, lp;
    const char *source = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    const char *last_match = NULL;
    int type = lua_type(L, 3);
    lua_Integer max_replacements = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    int anchored = *p == '^';
    lua_Integer count = 0;
    int changed = 0;
    Matcher m;
    luaL_Buffer b;
    luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION || type == LUA_TTABLE, 3,
                     "string/function/table");
    luaL_buffinit(L, &b);
    if (anchored) {
        p++;
        lp--;
    }
    prepare(&m, L, source, ls, p, lp);
    while (count < max_replacements) {
        restart(&m);
        const char *end = match(&m, source, p);
        if (end != NULL && end != last_match) {
            count++;
            changed = add_replacement(&m, &b, source, end, type) | changed;
            source = last_match = end;
        } else if (source < m.source_end) {
            luaL_addchar(&b, *source++);
        } else {
            break;
        }
        if (anchored) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1);  // the subject itself, as Lua returns it
    } else {
        luaL_addlstring(&b, source, (size_t)(m.source_end - source));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, count);
    return 2;
}

void clua_register_budgeted_patterns(lua_State *L, int string_table) {
    static const luaL_Reg functions[] = {
        {"find", budgeted_find}, {"match", budgeted_match}, {"gmatch", budgeted_gmatch}, {"gsub", budgeted_gsub}, {NULL, NULL}};
    for (const luaL_Reg *f = functions; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, string_table, f->name);
    }
}

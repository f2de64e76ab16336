"""Search (issue 5): GET /api/messages/search?q&conversationId&cursor&limit ->
{results: [{message, conversation, rank, snippet}], nextCursor}.

Languages and scripts (accents and case folded, prefixes, text without spaces), ranking (whole word
before prefix before inside a word, newer first within a rank), the HTML-safe snippet, cursor
pagination, the conversationId filter, and access control: only the caller's current
conversations, never deleted messages or earlier versions of edited ones. Every test starts from
fresh users, so the only messages they can find are the ones the test sends."""
import base64
import re

import pytest
import requests

from conftest import BASE_URL, assert_error, direct, send
from issue5_helpers import BAD_IDS, MISSING_ID, found_ids, group, search, search_all, word


def snippet_text(snippet):
    """The snippet as a person reads it: marks removed, entities decoded."""
    text = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in text and ">" not in text, snippet
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def marked(snippet):
    return re.findall(r"<mark>(.*?)</mark>", snippet)


# ---- languages and scripts --------------------------------------------------------------------

@pytest.mark.parametrize("query,content,highlight", [
    # Spanish
    ("milonga", "Esta noche hay Milongá en el centro", "Milongá"),
    ("nino", "El niño baila tango", "niño"),
    ("MILONGA", "nos vemos en la milonga", "milonga"),
    ("milongá", "milonga tonight at eight", "milonga"),
    # Portuguese
    ("sao paulo", "Nos vemos em São Paulo amanhã", "São Paulo"),
    ("coracao", "Meu coração é teu", "coração"),
    ("SÃO", "sao vicente", "sao"),
    # French
    ("francais", "Je parle français un peu", "français"),
    ("ete", "Bon été à tous", "été"),
    ("creme brulee", "Une crème brûlée, s'il vous plaît", "crème brûlée"),
    # German
    ("uber", "Über den Wolken", "Über"),
    ("gruss", "Viele Grüße aus München", None),
    ("munchen", "Viele Grüße aus München", "München"),
    ("strasse", "Die Straße ist lang", "Straße"),
    # Italian
    ("citta", "La città è bellissima", "città"),
    ("perche", "Perché no?", "Perché"),
    # English
    ("Dance", "we dance every friday", "dance"),
    # Turkish, Polish, Czech, Scandinavian
    ("istanbul", "İstanbul çok güzel", "İstanbul"),
    ("lodz", "Spotkanie w Łodzi", None),
    ("zolw", "Mały żółw", None),
    ("prilis", "Příliš žluťoučký kůň", "Příliš"),
    # Cyrillic and Greek (case folded, no accents to speak of)
    ("москвы", "Привет из МОСКВЫ", "МОСКВЫ"),
    ("αθηνα", "ΚΑΛΗΜΕΡΑ Αθήνα", "Αθήνα"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None)
def test_finds_words_in_many_languages(alice, bob, query, content, highlight):
    did = direct(alice, bob)
    m = send(alice, did, content)
    send(alice, did, "an unrelated message")
    for user in (alice, bob):
        results = search(user, query)["results"]
        assert [r["message"]["id"] for r in results] == [m["id"]], (query, content)
    snippet = results[0]["snippet"]
    assert snippet_text(snippet) == content
    if highlight:
        assert marked(snippet) == [highlight], snippet


@pytest.mark.parametrize("query,content,highlight", [
    ("coeur", "Tu es mon cœur", "cœur"),
    ("oeuvre", "Une œuvre complète", "œuvre"),
    ("aerobic", "Ærobic i Ærø", "Ærobic"),
    ("zolw", "Mały żółw", "żółw"),
    ("lodzi", "Spotkanie w Łodzi", "Łodzi"),
], ids=["fr-coeur", "fr-oeuvre", "da-ae", "pl-zolw", "pl-lodzi"])
def test_snippet_highlights_what_the_database_folded(alice, bob, query, content, highlight):
    """The database folds ligatures (œ -> oe, æ -> ae) and finds the message; the snippet must
    mark the same text, or clients show a result with nothing highlighted."""
    did = direct(alice, bob)
    m = send(alice, did, content)
    results = search(alice, query)["results"]
    assert [r["message"]["id"] for r in results] == [m["id"]]
    assert marked(results[0]["snippet"]) == [highlight], results[0]["snippet"]


def test_prefixes_and_partial_words(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "Esta noche hay Milongá en el centro")
    for q in ("milon", "Milo", "MILONG", "longa", "ngá"):
        results = search(alice, q)["results"]
        assert [r["message"]["id"] for r in results] == [m["id"]], q
        assert marked(results[0]["snippet"])[0].lower() in ("milon", "milo", "milong", "longá", "ngá")
    assert search(alice, "milongas")["results"] == []


@pytest.mark.parametrize("content,queries", [
    ("東京タワーに行きました", ["東京", "タワー", "京タ", "行きました", "に"]),
    ("我们明天去北京吃烤鸭", ["北京", "烤鸭", "明天去", "鸭"]),
    ("今日は渋谷でミロンガがあります", ["ミロンガ", "渋谷"]),
    ("안녕하세요 여러분", ["하세요", "여러분"]),
    ("สวัสดีครับ", ["สวัสดี"]),
], ids=["ja", "zh", "ja-mixed", "ko", "th"])
def test_finds_substrings_in_scripts_without_spaces(alice, bob, content, queries):
    did = direct(alice, bob)
    m = send(bob, did, content)
    send(bob, did, "これは別のメッセージです 这是另一条消息")
    for q in queries:
        results = search(alice, q)["results"]
        assert [r["message"]["id"] for r in results] == [m["id"]], q
        assert marked(results[0]["snippet"]) == [q], results[0]["snippet"]


def test_multi_word_query_matches_the_phrase(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "Nos vemos em São Paulo amanhã")
    send(alice, did, "Paulo, o São de sempre")
    assert found_ids(alice, "sao paulo") == [m["id"]]


def test_surrounding_spaces_in_the_query_are_ignored(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "tango tonight")
    assert found_ids(alice, "  tango  ") == [m["id"]]


def test_emoji_and_symbols_are_searchable(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "Great night 💃🕺 at the club")
    send(alice, did, "nothing here")
    assert found_ids(alice, "💃") == [m["id"]]


# ---- ranking ----------------------------------------------------------------------------------

def test_whole_word_before_prefix_before_inside_a_word(alice, bob):
    did = direct(alice, bob)
    token = word("tk")
    # Sent oldest to newest so that recency alone would give the opposite order.
    whole_old = send(alice, did, f"a {token} here")
    whole_new = send(bob, did, f"{token.upper()}!")
    prefix = send(alice, did, f"the {token}s are coming")
    inside_old = send(bob, did, f"x{token}y inside")
    inside_new = send(alice, did, f"z{token}")
    results = search_all(alice, token)
    assert [r["message"]["id"] for r in results] == [whole_new["id"], whole_old["id"], prefix["id"], inside_new["id"], inside_old["id"]]
    assert [r["rank"] for r in results] == [2, 2, 1, 0, 0]


def test_accented_whole_word_ranks_as_a_whole_word(alice, bob):
    did = direct(alice, bob)
    whole = send(alice, did, "¡Milongá!")
    prefix = send(alice, did, "milongueros everywhere")
    results = search(alice, "milonga")["results"]
    # "milongueros" does not contain "milonga"; only the whole word matches.
    assert [(r["message"]["id"], r["rank"]) for r in results] == [(whole["id"], 2)]
    results = search(alice, "milong")["results"]
    assert [(r["message"]["id"], r["rank"]) for r in results] == [(prefix["id"], 1), (whole["id"], 1)]


# ---- the snippet ------------------------------------------------------------------------------

def test_snippet_is_html_escaped_with_the_match_marked(alice, bob):
    did = direct(alice, bob)
    content = """<b>"Tango" & 'milonga'</b><script>alert(1)</script>"""
    send(alice, did, content)
    snippet = search(bob, "milonga")["results"][0]["snippet"]
    assert "<b>" not in snippet and "<script" not in snippet and "</b>" not in snippet
    assert "&lt;b&gt;" in snippet and "&quot;Tango&quot;" in snippet and "&amp;" in snippet
    assert "&#39;<mark>milonga</mark>&#39;" in snippet
    assert snippet_text(snippet) == content


def test_query_with_markup_is_found_literally_and_escaped(alice, bob):
    did = direct(alice, bob)
    m = send(alice, did, "how do I write <script> in a message?")
    send(alice, did, "a script without brackets")
    results = search(alice, "<script>")["results"]
    assert [r["message"]["id"] for r in results] == [m["id"]]
    assert "<mark>&lt;script&gt;</mark>" in results[0]["snippet"]


def test_snippet_of_a_long_message_is_an_excerpt_around_the_match(alice, bob):
    did = direct(alice, bob)
    token = word("needle")
    content = "hay " * 200 + token + " straw" * 200
    send(alice, did, content)
    snippet = search(alice, token)["results"][0]["snippet"]
    assert marked(snippet) == [token]
    assert len(snippet) < 300 < len(content)
    assert snippet.startswith("…") and snippet.endswith("…")


def test_results_carry_the_message_and_its_conversation(make_user):
    alice, bob = make_user("Alice"), make_user("Bob Builder")
    did = direct(alice, bob)
    gid = group(alice, bob, name="Tango Club")
    token = word()
    dm = send(bob, did, f"{token} in private")
    gm = send(alice, gid, f"{token} in the club", mediaUrl="https://img.example/p.png", mediaType="image")
    body = search(alice, token)
    assert body["nextCursor"] is None
    by_id = {r["message"]["id"]: r for r in body["results"]}
    assert set(by_id) == {dm["id"], gm["id"]}
    for r in body["results"]:
        assert set(r) == {"message", "conversation", "rank", "snippet"}
        assert isinstance(r["rank"], int) and isinstance(r["snippet"], str)
    assert by_id[dm["id"]]["message"]["content"] == f"{token} in private"
    assert by_id[dm["id"]]["message"]["senderId"] == bob.id
    assert by_id[dm["id"]]["conversation"] == {"id": did, "type": "direct", "name": "Bob Builder"}
    assert by_id[gm["id"]]["conversation"] == {"id": gid, "type": "group", "name": "Tango Club"}
    assert by_id[gm["id"]]["message"]["mediaUrl"] == "https://img.example/p.png"
    # A direct conversation is named after the other person, for each side.
    assert search(bob, token, conversationId=did)["results"][0]["conversation"]["name"] == "Alice"


# ---- pagination and the conversation filter ---------------------------------------------------

def test_cursor_pagination_has_no_duplicates_or_gaps(alice, bob):
    did = direct(alice, bob)
    gid = group(alice, bob)
    token = word("pg")
    sent = []
    for i in range(11):
        text = [f"{token} whole {i}", f"{token}ed prefix {i}", f"in{token}side {i}"][i % 3]
        sent.append(send(alice if i % 2 else bob, did if i % 4 else gid, text)["id"])
    everything = [r["message"]["id"] for r in search(alice, token, limit=50)["results"]]
    assert sorted(everything) == sorted(sent)
    for limit in (1, 3, 4, 10, 11):
        pages, cursor = [], None
        for _ in range(20):
            params = {"limit": limit}
            if cursor:
                params["cursor"] = cursor
            body = search(alice, token, **params)
            assert len(body["results"]) <= limit
            pages.append([r["message"]["id"] for r in body["results"]])
            cursor = body["nextCursor"]
            if cursor is None:
                break
        else:
            raise AssertionError("pagination did not end")
        flat = [i for page in pages for i in page]
        assert flat == everything, limit
        assert all(pages), f"an empty page before the end (limit {limit})"
        assert len(pages) == -(-len(sent) // limit)


def test_cursor_survives_new_messages_without_duplicates(alice, bob):
    did = direct(alice, bob)
    token = word("nw")
    old = [send(alice, did, f"{token} {i}")["id"] for i in range(4)]
    first = search(alice, token, limit=2)
    newer = send(bob, did, f"{token} newer")["id"]
    rest = search_all(alice, token, limit=2, cursor=first["nextCursor"])
    seen = [r["message"]["id"] for r in first["results"]] + [r["message"]["id"] for r in rest]
    assert len(seen) == len(set(seen)) == 4 and sorted(seen) == sorted(old)
    assert newer in found_ids(alice, token)


def test_conversation_filter(alice, bob, carol):
    ab = direct(alice, bob)
    ac = direct(alice, carol)
    gid = group(alice, bob, carol)
    token = word()
    in_ab = send(bob, ab, f"{token} one")
    in_ac = send(carol, ac, f"{token} two")
    in_g = send(alice, gid, f"{token} three")
    assert sorted(found_ids(alice, token)) == sorted([in_ab["id"], in_ac["id"], in_g["id"]])
    assert found_ids(alice, token, conversationId=ab) == [in_ab["id"]]
    assert found_ids(alice, token, conversationId=ac) == [in_ac["id"]]
    assert found_ids(alice, token, conversationId=gid) == [in_g["id"]]
    assert found_ids(bob, token) == sorted([in_g["id"], in_ab["id"]], reverse=True)
    # An empty conversationId is no filter.
    assert len(found_ids(alice, token, conversationId="")) == 3


# ---- access control ---------------------------------------------------------------------------

def test_never_finds_conversations_the_caller_is_not_in(alice, bob, carol):
    bc = direct(bob, carol)
    gid = group(bob, carol)
    token = word()
    send(bob, bc, f"{token} private")
    send(carol, gid, f"{token} group")
    assert search(alice, token)["results"] == []
    assert search(alice, token[:6])["results"] == []
    assert_error(alice.get("/api/messages/search", params={"q": token, "conversationId": bc}), 403, "forbidden")
    assert_error(alice.get("/api/messages/search", params={"q": token, "conversationId": gid}), 403, "forbidden")
    assert_error(alice.get("/api/messages/search", params={"q": token, "conversationId": MISSING_ID}), 404,
                 "conversation_not_found")
    assert len(found_ids(bob, token)) == 2


@pytest.mark.parametrize("how", ["removed", "left"])
def test_removed_member_no_longer_finds_the_group_and_finds_it_again_when_re_added(alice, bob, carol, how):
    gid = group(alice, bob, carol)
    did = direct(bob, carol)
    token = word()
    before = send(carol, gid, f"{token} before")
    kept = send(carol, did, f"{token} direct")
    assert sorted(found_ids(bob, token)) == sorted([before["id"], kept["id"]])

    if how == "removed":
        assert alice.delete(f"/api/messages/groups/{gid}/members/{bob.id}").status_code == 204
    else:
        assert bob.delete(f"/api/messages/groups/{gid}/members/me").status_code == 204
    during = send(carol, gid, f"{token} during")
    # Only their other conversation remains searchable; the group is refused by filter.
    assert found_ids(bob, token) == [kept["id"]]
    assert_error(bob.get("/api/messages/search", params={"q": token, "conversationId": gid}), 403, "forbidden")

    assert alice.post(f"/api/messages/groups/{gid}/members", {"userIds": [bob.id]}).status_code == 200
    assert sorted(found_ids(bob, token)) == sorted([before["id"], kept["id"], during["id"]])
    assert sorted(found_ids(bob, token, conversationId=gid)) == sorted([before["id"], during["id"]])


def test_deleted_messages_are_not_found(alice, bob, carol):
    gid = group(alice, bob, carol)
    token = word()
    mine = send(bob, gid, f"{token} oops")
    theirs = send(carol, gid, f"{token} spam")
    kept = send(carol, gid, f"{token} fine")
    assert bob.delete(f"/api/messages/{mine['id']}").status_code == 200
    assert alice.delete(f"/api/messages/{theirs['id']}").status_code == 200
    for user in (alice, bob, carol):
        assert found_ids(user, token) == [kept["id"]]
        assert found_ids(user, token, conversationId=gid) == [kept["id"]]
    assert search(alice, "oops")["results"] == [] and search(alice, "spam")["results"] == []


def test_earlier_versions_of_edited_messages_are_not_found(alice, bob):
    did = direct(alice, bob)
    old, new = word("old"), word("new")
    m = send(alice, did, f"draft {old}")
    assert alice.patch(f"/api/messages/{m['id']}", {"content": f"final {new}"}).status_code == 200
    assert search(bob, old)["results"] == []
    results = search(bob, new)["results"]
    assert [r["message"]["id"] for r in results] == [m["id"]]
    assert results[0]["message"]["content"] == f"final {new}" and results[0]["message"]["editedAt"]
    assert marked(results[0]["snippet"]) == [new]
    # The word shared by both versions finds the message once.
    assert found_ids(bob, "draft") == [] and found_ids(bob, "final") == [m["id"]]


# ---- odd but valid queries --------------------------------------------------------------------

@pytest.mark.parametrize("q", ["%", "_", "\\", "%%", "a%b", "(", ")", "[", "]", "{1}", ".*", "^", "$", "|", "+", "?",
                               "*", "\\d", "'", "\"", ";", "--", "' OR 1=1 --", "\\\\", "<", "&amp;"])
def test_special_characters_are_literal(alice, bob, q):
    did = direct(alice, bob)
    send(alice, did, "plain words only")
    hit = send(alice, did, f"literal {q} inside")
    results = search(alice, q)["results"]
    assert [r["message"]["id"] for r in results] == [hit["id"]], q
    assert q in marked(results[0]["snippet"])[0].replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&quot;", '"').replace("&#39;", "'").replace("&amp;", "&")


def test_like_wildcards_do_not_match_other_characters(alice, bob):
    did = direct(alice, bob)
    pct = send(alice, did, "50% off")
    send(alice, did, "500 off")
    under = send(alice, did, "snake_case")
    send(alice, did, "snakeXcase")
    assert found_ids(alice, "0% o") == [pct["id"]]
    assert found_ids(alice, "e_c") == [under["id"]]


def test_c_plus_plus_is_a_whole_word(alice, bob):
    did = direct(alice, bob)
    cpp = send(alice, did, "I love c++ and rust")
    c = send(alice, did, "I love c and rust")
    results = search(alice, "c++")["results"]
    assert [(r["message"]["id"], r["rank"]) for r in results] == [(cpp["id"], 2)]
    assert c["id"] not in found_ids(alice, "c++")


def test_query_of_200_characters_is_accepted(alice, bob):
    did = direct(alice, bob)
    q = "é" * 200
    m = send(alice, did, q)
    assert found_ids(alice, q) == [m["id"]]


# ---- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("params,code", [
    ({}, "validation_failed"),
    ({"q": ""}, "validation_failed"),
    ({"q": "   "}, "validation_failed"),
    ({"q": "x" * 201}, "validation_failed"),
    ({"q": "ok", "limit": "0"}, "invalid_limit"),
    ({"q": "ok", "limit": "51"}, "invalid_limit"),
    ({"q": "ok", "limit": "-1"}, "invalid_limit"),
    ({"q": "ok", "limit": "ten"}, "invalid_limit"),
    ({"q": "ok", "limit": ""}, "invalid_limit"),
    ({"q": "ok", "cursor": "garbage!"}, "invalid_cursor"),
    ({"q": "ok", "cursor": base64.urlsafe_b64encode(b"3:10").decode().rstrip("=")}, "invalid_cursor"),
    ({"q": "ok", "cursor": base64.urlsafe_b64encode(b"2:-1").decode().rstrip("=")}, "invalid_cursor"),
    ({"q": "ok", "cursor": base64.urlsafe_b64encode(b"2").decode().rstrip("=")}, "invalid_cursor"),
    ({"q": "ok", "cursor": "A" * 100}, "invalid_cursor"),
] + [({"q": "ok", "conversationId": bad}, "invalid_id") for bad in BAD_IDS if bad != "%20"],
    ids=lambda v: repr(v)[:50])
def test_search_validation(alice, params, code):
    assert_error(alice.get("/api/messages/search", params=params), 400, code)


@pytest.mark.parametrize("q", ["\u0000", "a\u0000b", "\u0001", "tab\u0007"], ids=["nul", "inner-nul", "soh", "bel"])
def test_control_characters_in_the_query_are_refused(alice, bob, q):
    """A NUL cannot reach PostgreSQL intact (it would be cut there, turning "a\\0b" into "a"
    and "\\0" into a search that matches every message); control characters are refused, as
    they are in message content."""
    did = direct(alice, bob)
    send(alice, did, "a message everyone would match")
    assert_error(alice.get("/api/messages/search", params={"q": q}), 400, "validation_failed")


def test_query_with_invalid_percent_encoding_is_refused(alice):
    r = requests.get(BASE_URL + "/api/messages/search?q=%FF%FE", headers=alice.headers, timeout=10)
    assert_error(r, 400)


def test_search_requires_authentication():
    assert_error(requests.get(BASE_URL + "/api/messages/search", params={"q": "x"}, timeout=10), 401, "token_missing")


def test_search_with_no_conversations_is_empty(alice):
    assert search(alice, "anything") == {"results": [], "nextCursor": None}

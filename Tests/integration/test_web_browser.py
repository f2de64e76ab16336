"""The web client (web/) in a real browser (Debian's Chromium through Playwright) against the real
stack: toasts, badges, title and sound from the H2AC decisions, seen-by, typing, reactions,
edits and deletes on both sides, the guidance-driven group form, script changes picked up
without a restart, a push daemon restart mid-conversation, the phone layout and the staff page.
Screenshots of the main screens go to var/test/screenshots."""
import json
import os
import re
import threading
import time

import pytest

from conftest import admin, direct, send
from test_h2ac import hooks_dir
from web_support import PHONE, expect, restart_stack_push_daemon, web, browser  # noqa: F401  (fixtures)


@pytest.fixture
def editable_script():
    """Edits a script of the stack's copy of lua/ and restores it afterwards: `edit(name, old, new)`."""
    originals = {}

    def edit(name, old, new):
        path = os.path.join(hooks_dir(), name)
        text = open(path).read()
        originals.setdefault(path, text)
        assert old in text, f"{name} no longer contains {old!r}"
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))

    yield edit
    for path, text in originals.items():
        with open(path, "w") as f:
            f.write(text)


def scrolled_to_bottom(page):
    return page.evaluate("() => { const s = document.querySelector('.message-scroller');"
                         " return s.scrollHeight - s.scrollTop - s.clientHeight < 4; }")


def test_toast_badge_title_sound_then_open_scrolls_and_alice_sees_seen_by(web, alice, bob, carol):
    conversation = direct(alice, bob)
    elsewhere = direct(bob, carol)
    for i in range(40):  # enough history that the view has to scroll
        send(bob if i % 2 else alice, conversation, f"earlier {i}")
    send(carol, elsewhere, "¿Practicamos el jueves?")
    bob.post(f"/api/messages/{conversation}/read")
    b = web(bob)
    expect(b.page.locator("#signed-in-as")).to_have_text("Signed in as Bob")
    b.page.click(f'.conversation-item[data-conversation-id="{elsewhere}"]')  # also unlocks audio
    expect(b.page.locator(".conversation-title")).to_have_text("Carol")
    a = web(alice, route=f"#/c/{conversation}")
    expect(b.conversation_item(conversation).locator(".presence.online")).to_have_count(1)  # Alice came online
    a.send("¿Vamos a la milonga esta noche?")

    toast = b.page.locator("#toasts .toast")
    expect(toast).to_have_count(1)
    expect(toast.locator(".toast-title")).to_have_text("Alice")
    expect(toast.locator(".toast-body")).to_have_text("¿Vamos a la milonga esta noche?")
    assert b.page.get_attribute("#toasts", "aria-live") == "polite"
    expect(b.page).to_have_title("(1) Messages")
    expect(b.conversation_item(conversation).locator(".unread-badge")).to_have_text("1")
    assert b.page.get_attribute("#favicon", "href").startswith("data:image/png")
    sounds = b.debug("sounds")
    assert sounds and sounds[-1] == {"name": "message", "started": True, "state": "running"}, sounds
    b.screenshot("desktop-toast")

    toast.click()  # opens the conversation at the newest message
    expect(b.page.locator(".conversation-title")).to_have_text("Alice")
    expect(b.message("¿Vamos a la milonga esta noche?")).to_be_in_viewport()
    assert scrolled_to_bottom(b.page)
    expect(b.page).to_have_title("Messages")
    expect(b.conversation_item(conversation).locator(".unread-badge")).to_have_count(0)
    expect(a.page.locator(".seen-by")).to_have_text("Seen by Bob")
    a.screenshot("desktop-conversation")
    assert len(b.debug("toasts")) == 1  # Bob, now looking at it, got no second toast
    expect(b.message("earlier 0")).to_have_count(0)  # 41 messages: the first page holds 30
    b.page.locator(".message-scroller").evaluate("s => s.scrollTo(0, 0)")  # scrolling up loads older pages
    expect(b.message("earlier 0")).to_have_count(1)
    expect(b.page.locator(".messages .message")).to_have_count(41)


def test_typing_reactions_edits_and_deletes_show_on_both_sides(web, alice, bob):
    conversation = direct(alice, bob)
    a = web(alice, route=f"#/c/{conversation}")
    b = web(bob, route=f"#/c/{conversation}")
    b.page.fill("#composer-input", "Escribiendo")
    b.page.type("#composer-input", "…")
    expect(a.page.locator(".typing")).to_have_text("Bob is typing…")
    b.page.press("#composer-input", "Enter")  # sending stops the indicator
    expect(a.message("Escribiendo…")).to_have_count(1)
    expect(a.page.locator(".typing")).to_have_text("")

    theirs = a.message("Escribiendo…")
    theirs.focus()  # the actions show for the focused message: keyboard only
    theirs.locator('[data-react="👍"]').click()
    expect(theirs.locator('.reaction[data-emoji="👍"]')).to_have_text("👍 1")
    expect(theirs.locator('.reaction[data-emoji="👍"]')).to_have_attribute("aria-pressed", "true")
    on_bob = b.message("Escribiendo…").locator('.reaction[data-emoji="👍"]')
    expect(on_bob).to_have_text("👍 1")
    expect(on_bob).to_have_attribute("aria-pressed", "false")
    assert "Alice" in on_bob.get_attribute("title")
    on_bob.click()  # Bob adds his own: both see 2
    expect(theirs.locator('.reaction[data-emoji="👍"]')).to_have_text("👍 2")
    theirs.focus()
    theirs.get_by_role("button", name="Who reacted").click()  # from GET /api/messages/:id/reactions
    expect(theirs.locator(".reactors")).to_have_text("👍 You, Bob")
    theirs.locator('.reaction[data-emoji="👍"]').click()  # Alice takes hers back
    expect(on_bob).to_have_text("👍 1")
    expect(on_bob).to_have_attribute("aria-pressed", "true")
    expect(theirs.locator(".reactors")).to_have_text("👍 Bob")

    a.send("Nos vemos a las ocho")
    mine = a.message("Nos vemos a las ocho")
    expect(mine).not_to_have_class(re.compile("pending"))
    mine.focus()
    mine.get_by_role("button", name="Edit").click()
    a.page.fill(".edit-input", "Nos vemos a las nueve")
    send(bob, conversation, "¡Perfecto!")  # the list re-renders while Alice edits: her draft stays
    expect(a.message("¡Perfecto!")).to_have_count(1)
    expect(a.page.locator(".edit-input")).to_have_value("Nos vemos a las nueve")
    a.page.press(".edit-input", "Enter")
    expect(a.message("Nos vemos a las nueve").locator(".edited")).to_have_count(1)
    expect(b.message("Nos vemos a las nueve").locator(".edited")).to_have_count(1)
    expect(b.message("Nos vemos a las ocho")).to_have_count(0)
    a.screenshot("desktop-reactions-edit")

    a.page.once("dialog", lambda dialog: dialog.accept())
    edited = a.message("Nos vemos a las nueve")
    edited.focus()
    edited.get_by_role("button", name="Delete").click()
    expect(a.page.locator(".message.deleted .tombstone")).to_have_text("This message was deleted")
    expect(b.page.locator(".message.deleted .tombstone")).to_have_text("This message was deleted")
    expect(b.message("Nos vemos a las nueve")).to_have_count(0)


def test_group_form_comes_from_guidance_and_a_label_change_shows_without_restart(web, alice, bob, carol, editable_script):
    a = web(alice, route="#/new/group")
    expect(a.page.locator("#group-form-title")).to_have_text("Start a group chat")
    expect(a.page.locator('[data-field="name"] .field-label')).to_have_text("Group name")
    expect(a.page.locator('[data-field="participantIds"] .field-label')).to_have_text("Participants")
    expect(a.page.locator('[data-field="avatar"] .field-label')).to_have_text("Group picture (optional)")
    expect(a.page.locator('.guidance-steps [data-step="enter_details"]')).to_have_text("Give the group a name and choose who to add")
    b = web(bob)

    a.page.click(".group-form button[type=submit]")  # nothing filled in: the script's own words
    expect(a.page.locator(".form-error")).to_have_text("Please give the group a name.")
    a.page.fill("#field-name", "Práctica del jueves")
    for person in (bob, carol):
        a.page.fill(".picker-id", str(person.id))
        a.page.press(".picker-id", "Enter")
    expect(a.page.locator(".chip")).to_have_count(2)
    a.screenshot("desktop-group-form")
    a.page.click(".group-form button[type=submit]")

    # nextSteps: open_conversation, then focus_input.
    expect(a.page.locator(".conversation-title")).to_have_text("Práctica del jueves")
    expect(a.page.locator("#composer-input")).to_be_focused()
    expect(b.page.locator(".conversation-item", has_text="Práctica del jueves")).to_have_count(1)

    editable_script("guidance.lua", '{ field = "name", label = "Group name" }', '{ field = "name", label = "Nombre del grupo" }')
    label = None
    for _ in range(20):  # a changed script is picked up within about a second
        a.open("#/")
        a.open("#/new/group")
        label = a.page.locator('[data-field="name"] .field-label')
        expect(label).to_have_count(1)
        if label.inner_text() == "Nombre del grupo":
            break
        time.sleep(0.2)
    expect(label).to_have_text("Nombre del grupo")


def test_toast_title_changed_in_notifications_lua_shows_in_the_next_toast(web, alice, bob, carol, editable_script):
    conversation = direct(alice, bob)
    elsewhere = direct(bob, carol)
    b = web(bob, route=f"#/c/{elsewhere}")
    send(alice, conversation, "antes")
    expect(b.page.locator("#toasts .toast-title").last).to_have_text("Alice")
    editable_script("notifications.lua", "    title = with_group_name(text.name_of(sender), event.conversation or {}),",
                    '    title = "Nuevo de " .. with_group_name(text.name_of(sender), event.conversation or {}),')
    titles = []
    for attempt in range(20):
        send(alice, conversation, f"después {attempt}")
        expect(b.page.locator("#toasts .toast-body", has_text=f"después {attempt}")).to_have_count(1)
        titles = [t["title"] for t in b.debug("toasts")]
        if titles[-1] == "Nuevo de Alice":
            break
        time.sleep(0.2)
    assert titles[-1] == "Nuevo de Alice", titles
    expect(b.page.locator("#toasts .toast-title", has_text="Nuevo de Alice").last).to_be_visible()


def test_push_daemon_restarted_while_alice_sends_every_message_shows_once_in_order(web, alice, bob):
    conversation = direct(alice, bob)
    b = web(bob, route=f"#/c/{conversation}")
    sent = []
    failures = []

    def alice_sends():
        try:
            for i in range(30):
                sent.append(send(alice, conversation, f"mensaje {i:02d}")["content"])
                time.sleep(0.05)
        except Exception as error:  # reported below, not lost in the thread
            failures.append(error)

    thread = threading.Thread(target=alice_sends)
    thread.start()
    try:
        expect(b.message("mensaje 05")).to_have_count(1)
        restart_stack_push_daemon(pause=0.7)
    finally:
        thread.join(timeout=60)
    assert not failures and len(sent) == 30, failures
    expect(b.page.locator(".messages .message")).to_have_count(30, timeout=30_000)
    shown = b.page.locator(".messages .message .content").all_inner_texts()
    assert shown == sent
    b.page.wait_for_selector("html[data-connection=online]")
    states = b.debug("connection")
    assert states[-2:] == ["reconnecting", "online"], states  # the person saw "Reconnecting…" meanwhile


def test_phone_viewport_list_and_conversation_without_horizontal_scroll(web, alice, bob, carol):
    conversation = direct(alice, bob)
    direct(carol, bob)
    send(alice, conversation, "Una palabra muy larga: " + "milonguero" * 20)
    send(alice, conversation, "", mediaUrl="https://example.com/abrazo.jpg", mediaType="image")
    send(alice, conversation, "La clase", mediaUrl="https://example.com/clase.mp4", mediaType="video")
    b = web(bob, viewport=PHONE)

    def no_horizontal_scroll():
        return b.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"
                               " && document.body.scrollWidth <= window.innerWidth")

    expect(b.page.locator(".conversation-item")).to_have_count(2)
    assert no_horizontal_scroll()
    b.screenshot("phone-list")
    b.conversation_item(conversation).click()
    expect(b.page.locator(".conversation-title")).to_have_text("Alice")
    expect(b.page.locator("#conversation-list")).to_be_hidden()  # one pane at a time
    expect(b.page.locator(".message img.media, .message .media-link")).to_have_count(1)  # inline, or its link
    expect(b.page.locator(".message video.media[controls]")).to_have_count(1)
    assert no_horizontal_scroll()
    assert b.page.evaluate("document.querySelector('.message-scroller').scrollWidth"
                           " <= document.querySelector('.message-scroller').clientWidth")
    b.send("¡Claro que sí!")
    expect(b.message("¡Claro que sí!")).not_to_have_class(re.compile("pending"))
    b.page.click("text=Attach")  # a link the server refuses: shown as not sent, with its reason
    b.page.fill(".media-url", "ftp://example.com/x.jpg")
    b.page.press("#composer-input", "Enter")
    failed = b.page.locator(".message.failed")
    expect(failed).to_contain_text("Not sent (")
    failed.get_by_role("button", name="Discard").click()
    expect(failed).to_have_count(0)
    b.screenshot("phone-conversation")
    b.page.click(".back-link")
    expect(b.page.locator("#conversation-list")).to_be_visible()
    assert no_horizontal_scroll()


def test_staff_page_shows_status_and_previews_a_decision(web, alice, staff, editable_script):
    a = web(alice)
    expect(a.page.locator("#open-staff")).to_be_hidden()
    s = web(staff, route="#/staff")
    expect(s.page.locator("#open-staff")).to_be_visible()
    expect(s.page.locator(".hook-scripts tbody tr")).to_have_count(2)
    expect(s.page.locator(".hook-status")).to_contain_text("notifications.lua")
    s.page.fill(".preview-form [name=content]", "¿Quién trae el vino?")
    s.page.fill(".preview-form [name=groupName]", "Práctica")
    s.page.click(".preview-form button[type=submit]")
    expect(s.page.locator(".decision .toast-title")).to_have_text("Alice in Práctica")
    expect(s.page.locator(".decision .toast-body")).to_have_text("¿Quién trae el vino?")
    expect(s.page.locator(".decision")).to_contain_text("Decided by lua/notifications.lua.")
    s.page.check(".preview-form [name=focused]")
    s.page.click(".preview-form button[type=submit]")
    expect(s.page.locator(".decision")).to_contain_text("No toast.")
    expect(s.page.locator(".decision")).to_contain_text("Scroll to the newest message: yes")
    s.screenshot("desktop-staff")
    # A script that fails at run time: the preview says the built-in default decided, and why.
    editable_script("notifications.lua", "  local sender, recipient = event.sender or {}, event.recipient or {}",
                    '  error("boom from the staff test")')
    for _ in range(20):  # picked up within about a second
        s.page.click(".preview-form button[type=submit]")
        expect(s.page.locator(".decision")).to_have_count(1)
        if "built-in default" in s.page.locator(".decision").inner_text():
            break
        time.sleep(0.2)
    expect(s.page.locator(".decision")).to_contain_text("Decided by the built-in default")
    expect(s.page.locator(".decision .error-text")).to_contain_text("boom from the staff test")


def test_expired_token_asks_for_a_new_one_instead_of_reconnecting_then_resumes(web, alice, bob):
    conversation = direct(alice, bob)
    b = web(bob, route=f"#/c/{conversation}", ttl=4)
    expect(b.page.locator("#token-screen")).to_be_visible(timeout=20_000)  # the daemon closed: token expired
    expect(b.page.locator("#token-reason")).to_contain_text("session has ended")
    assert b.page.evaluate("sessionStorage.getItem('messaging.token')") is None
    opened = len(b.sockets)
    time.sleep(3)
    assert len(b.sockets) == opened, b.sockets  # no reconnect loop on an expired token
    send(alice, conversation, "mientras tanto")  # missed while signed out
    # The platform hands over a fresh token (the documented JS call; embedded pages use postMessage).
    b.page.evaluate("token => MessagingClient.setToken(token)", admin("token", "--user", str(bob.id)))
    expect(b.page.locator("#token-screen")).to_be_hidden()
    b.page.wait_for_selector("html[data-connection=online]")
    assert "since=" in b.sockets[-1]
    expect(b.message("mientras tanto")).to_have_count(1)


def test_new_direct_chat_follows_the_next_steps(web, alice, bob):
    a = web(alice, route="#/new/direct")
    expect(a.page.locator("#direct-title")).to_have_text("Send a direct message")
    a.page.fill(".picker-id", str(bob.id))  # by id: works with or without the user directory
    a.page.press(".picker-id", "Enter")
    expect(a.page.locator(".conversation-title")).to_have_text("Bob")
    expect(a.page.locator("#composer-input")).to_be_focused()  # nextSteps: focus_input
    a.page.keyboard.type("¡Hola Bob!")
    a.page.keyboard.press("Enter")
    b = web(bob)
    expect(b.page.locator(".conversation-item", has_text="¡Hola Bob!")).to_have_count(1)


def test_new_direct_chat_from_the_user_directory(web, alice, make_user):
    bob = make_user("Bob Directorio")
    a = web(alice, route="#/new/direct")
    a.page.fill(".picker-input", "Directorio")
    a.page.click(f'.picker-result[data-user-id="{bob.id}"]')
    expect(a.page.locator(".conversation-title")).to_have_text("Bob Directorio")
    expect(a.page.locator("#composer-input")).to_be_focused()


def test_search_opens_the_conversation_at_the_message(web, alice, bob):
    conversation = direct(alice, bob)
    send(alice, conversation, "Traigo empanadas de humita")
    for i in range(60):  # the match is two history pages back
        send(bob if i % 2 else alice, conversation, f"relleno {i}")
    a = web(alice, route="#/search")
    a.page.fill("#search-input", "humita")
    a.page.press("#search-input", "Enter")
    result = a.page.locator(".search-result")
    expect(result).to_have_count(1)
    expect(result.locator(".snippet mark")).to_have_text("humita")
    result.click()
    found = a.message("Traigo empanadas de humita")
    expect(found).to_have_class(re.compile("highlight"))
    expect(found).to_be_in_viewport()


def test_muted_conversation_gets_no_toast_and_admins_manage_the_group(web, alice, bob, carol):
    r = alice.post("/api/messages/groups", {"name": "Milonga", "participantIds": [bob.id, carol.id]})
    group = r.json()["conversation"]["id"]
    b = web(bob, route=f"#/c/{group}")
    b.page.click(".mute-toggle")
    expect(b.page.locator(".mute-toggle")).to_have_attribute("aria-pressed", "true")
    expect(b.conversation_item(group).locator(".muted-mark")).to_have_count(1)
    b.open("#/")
    send(alice, group, "silencio")
    expect(b.conversation_item(group).locator(".unread-badge")).to_have_text("1")
    assert b.debug("toasts") == []  # muted: the decision has no toast and no sound
    assert b.debug("sounds") == []
    b.open(f"#/c/{group}")
    b.page.click(".mute-toggle")  # unmuted: the next message toasts again
    expect(b.page.locator(".mute-toggle")).to_have_attribute("aria-pressed", "false")
    b.open("#/")
    # `focus` has no answer: a message racing the list's focus (null) may still be decided as
    # focused on the group, with no toast, so a few tries (as in the hidden-tab test).
    for attempt in range(10):
        send(alice, group, f"¿me oyes? {attempt}")
        expect(b.conversation_item(group)).to_contain_text(f"¿me oyes? {attempt}")
        if b.debug("toasts"):
            break
        time.sleep(0.2)
    assert [toast["body"] for toast in b.debug("toasts")] == [f"¿me oyes? {attempt}"]
    expect(b.page.locator("#toasts .toast-body")).to_have_text(f"¿me oyes? {attempt}")

    a = web(alice, route=f"#/c/{group}/info")
    a.page.fill(".inline-form input[type=text]", "Milonga del sábado")
    a.page.click(".inline-form button[type=submit] >> nth=0")
    expect(b.conversation_item(group).locator(".conversation-name")).to_have_text("Milonga del sábado")
    bob_row = a.page.locator(f'.member[data-user-id="{bob.id}"]')
    bob_row.get_by_role("button", name="Make admin").click()
    expect(bob_row.locator(".role")).to_have_text("admin")
    a.page.once("dialog", lambda dialog: dialog.accept())
    a.page.locator(f'.member[data-user-id="{carol.id}"]').get_by_role("button", name="Remove").click()
    expect(a.page.locator(".member")).to_have_count(2)
    a.page.fill(".add-members .picker-id", str(carol.id))  # and back again
    a.page.press(".add-members .picker-id", "Enter")
    expect(a.page.locator(".member")).to_have_count(3)
    a.screenshot("desktop-group-info")
    a.page.fill(".inline-form input[type=url]", "https://example.com/milonga.png")
    a.page.click(".inline-form button[type=submit] >> nth=1")
    expect(b.conversation_item(group).locator("img.avatar")).to_have_attribute("src", "https://example.com/milonga.png")

    b.open(f"#/c/{group}/info")  # Bob is an admin now: he can manage members too
    b.page.locator(f'.member[data-user-id="{alice.id}"]').get_by_role("button", name="Make member").click()
    expect(a.page.locator(f'.member[data-user-id="{alice.id}"] .role')).to_have_text("member")
    expect(a.page.locator(".inline-form")).to_have_count(0)  # no admin controls for her any more
    b.page.once("dialog", lambda dialog: dialog.accept())
    b.page.get_by_role("button", name="Leave group").click()
    expect(b.conversation_item(group)).to_have_count(0)
    expect(a.page.locator(".member")).to_have_count(2)
    # The last admin left: the longest-standing member (Alice) is promoted automatically.
    expect(a.page.locator(f'.member[data-user-id="{alice.id}"] .role')).to_have_text("admin")
    expect(a.page.locator(".inline-form")).to_have_count(2)


def test_reconnect_backoff_is_exponential_with_jitter_and_capped(web, alice):
    a = web(alice)
    delays = a.page.evaluate("""async () => {
        const { backoffDelay } = await import("/js/push.js");
        return [0, 1, 2, 3, 10, 30].map((n) => [backoffDelay(n, () => 0), backoffDelay(n, () => 0.999999)]);
    }""")
    assert delays[:4] == [[250, 500], [500, 1000], [1000, 2000], [2000, 4000]]
    assert delays[4] == delays[5] == [15000, 30000]  # capped at 30 s, jitter between half and all of it


def test_a_send_whose_answer_was_lost_is_retried_without_a_duplicate_and_replies_quote(web, alice, bob):
    conversation = direct(alice, bob)
    text = "¿Llegó?"

    def without_its_own_frame(ws):
        """Alice's stream, less the frame of her message: only the retry's answer can confirm it."""
        server = ws.connect_to_server()

        def from_server(message):
            frame = json.loads(message)
            if not (frame.get("type") == "new_message" and frame["message"]["content"] == text):
                ws.send(message)
        server.on_message(from_server)

    a = web(alice, route=f"#/c/{conversation}",
            prepare=lambda page: page.route_web_socket(re.compile(r"/ws/notifications"), without_its_own_frame))
    b = web(bob, route=f"#/c/{conversation}")
    bodies = []

    def lose_the_first_answer(route):
        if route.request.method != "POST":
            return route.continue_()
        bodies.append(route.request.post_data_json)
        if len(bodies) == 1:
            route.fetch()  # the server stores the message...
            return route.abort("connectionreset")  # ...and its answer never arrives
        return route.continue_()

    a.page.route(f"**/api/messages/{conversation}", lose_the_first_answer)
    a.send(text)
    expect(a.message(text)).to_have_class(re.compile("pending"))
    expect(a.message(text)).not_to_have_class(re.compile("pending|failed"))  # the retry's 200
    assert len(bodies) == 2 and bodies[0]["clientMessageId"] == bodies[1]["clientMessageId"], bodies
    expect(a.message(text)).to_have_count(1)
    expect(b.message(text)).to_have_count(1)
    history = alice.get(f"/api/messages/{conversation}").json()["messages"]
    assert [m["content"] for m in history] == [text]  # stored once

    original = b.message("¿Llegó?")
    original.focus()
    original.get_by_role("button", name="Reply").click()
    expect(b.page.locator("#composer-input")).to_be_focused()
    b.page.keyboard.type("Sí, llegó")
    b.page.keyboard.press("Enter")
    for side in (a, b):
        expect(side.message("Sí, llegó").locator(".reply-quote")).to_have_text("Alice ¿Llegó?")


def test_hidden_tab_gets_toasts_and_a_shown_one_scrolls_instead(web, alice, bob):
    """Page Visibility: a hidden tab tells the server it shows nothing (focus null), so messages
    to the open conversation toast and sound; shown again, it shows the conversation. Headless
    Chromium never hides a page, so the test sets document.visibilityState as a browser would."""
    conversation = direct(alice, bob)
    b = web(bob, route=f"#/c/{conversation}")
    b.page.click("#composer-input")  # unlocks audio
    set_visibility = """state => {
        Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
        document.dispatchEvent(new Event("visibilitychange"));
    }"""
    b.page.evaluate(set_visibility, "hidden")
    # `focus` has no answer: a message racing it may still be decided as focused, so a few tries.
    for attempt in range(10):
        send(alice, conversation, f"¿Estás? {attempt}")
        expect(b.message(f"¿Estás? {attempt}")).to_have_count(1)
        if b.debug("toasts"):
            break
        time.sleep(0.2)
    assert b.debug("toasts")[-1]["body"] == f"¿Estás? {attempt}"
    expect(b.page.locator("#toasts .toast-body").last).to_have_text(f"¿Estás? {attempt}")
    expect(b.page).to_have_title(re.compile(r"^\(\d+\) Messages$"))  # not read while hidden
    assert b.debug("sounds")[-1]["started"] is True
    b.page.evaluate(set_visibility, "visible")
    expect(b.page).to_have_title("Messages")  # shown: read at once
    toasts = len(b.debug("toasts"))
    send(alice, conversation, "¡Hola de nuevo!")
    expect(b.message("¡Hola de nuevo!")).to_be_in_viewport()
    time.sleep(0.5)
    assert len(b.debug("toasts")) == toasts  # in focus again: no toast


def test_keyboard_alone_opens_a_conversation_and_sends(web, alice, bob):
    conversation = direct(alice, bob)
    send(alice, conversation, "¿Me escribes sin ratón?")
    b = web(bob)

    def tab_to(selector, limit=30):
        for _ in range(limit):
            b.page.keyboard.press("Tab")
            if b.page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{selector} is not reachable with Tab")

    tab_to(f'.conversation-item[data-conversation-id="{conversation}"]')
    b.page.keyboard.press("Enter")
    expect(b.page.locator(".conversation-title")).to_have_text("Alice")
    tab_to("#composer-input")
    b.page.keyboard.type("Claro, solo con el teclado")
    b.page.keyboard.press("Enter")
    expect(b.message("Claro, solo con el teclado")).not_to_have_class(re.compile("pending"))
    expect(b.page.locator(".messages .message")).to_have_count(2)


def test_resync_required_reloads_what_is_shown_from_rest(web, alice, bob, carol):
    """The daemon sends resync_required when it cannot replay (a purged or too long backlog);
    here the frames of a stretch of messages are held back and resync_required is sent in their
    place, as the daemon would: the page must reload the list and the open history through REST."""
    conversation = direct(alice, bob)
    elsewhere = direct(carol, bob)
    holding = {"on": False, "route": None}

    def hold_back_messages(ws):
        server = ws.connect_to_server()
        holding["route"] = ws

        def from_server(message):
            frame = json.loads(message)
            if not (holding["on"] and frame.get("type") == "new_message"):
                ws.send(message)
        server.on_message(from_server)

    b = web(bob, route=f"#/c/{conversation}",
            prepare=lambda page: page.route_web_socket(re.compile(r"/ws/notifications"), hold_back_messages))
    send(alice, conversation, "uno")
    expect(b.message("uno")).to_have_count(1)
    holding["on"] = True
    for text in ("dos", "tres", "cuatro"):
        send(alice, conversation, text)
    send(carol, elsewhere, "hola desde otra conversación")
    time.sleep(0.5)
    expect(b.message("cuatro")).to_have_count(0)  # held back
    holding["route"].send(json.dumps({"type": "resync_required", "cursor": 0}))
    expect(b.page.locator(".messages .message .content")).to_have_text(["uno", "dos", "tres", "cuatro"])
    expect(b.conversation_item(elsewhere).locator(".conversation-preview")).to_have_text("hola desde otra conversación")
    expect(b.conversation_item(elsewhere).locator(".unread-badge")).to_have_text("1")


def test_deactivated_account_is_signed_out_without_reconnecting(web, make_user):
    carla = make_user("Carla")
    c = web(carla)
    admin("user", "deactivate", "--sub", str(carla.id))  # the stream closes with 4003
    expect(c.page.locator("#token-screen")).to_be_visible()
    expect(c.page.locator("#token-reason")).to_have_text("This account has been deactivated.")
    opened = len(c.sockets)
    time.sleep(2)
    assert len(c.sockets) == opened, c.sockets


def test_a_rate_limited_send_waits_for_retry_after_and_goes_through(web, alice, bob):
    conversation = direct(alice, bob)
    a = web(alice, route=f"#/c/{conversation}")
    attempts = []

    def limit_the_first(route):
        if route.request.method != "POST":
            return route.continue_()
        attempts.append(time.monotonic())
        if len(attempts) == 1:  # as the API answers over a user's send limit
            return route.fulfill(status=429, headers={"Retry-After": "2", "Content-Type": "application/json"},
                                 body='{"error":{"code":"rate_limited","message":"Too many requests; try again shortly."}}')
        return route.continue_()

    a.page.route(f"**/api/messages/{conversation}", limit_the_first)
    a.send("Despacio")
    expect(a.message("Despacio")).to_have_class(re.compile("pending"))
    expect(a.message("Despacio")).not_to_have_class(re.compile("pending|failed"))
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 1.9, attempts  # Retry-After, not our 1 s
    assert [m["content"] for m in alice.get(f"/api/messages/{conversation}").json()["messages"]] == ["Despacio"]

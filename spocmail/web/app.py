"""The pages: dashboard, triage, an issue, a mail, the weekly draft, the register; and sign-in.

Every page runs in one database transaction; every change is a POST carrying the session's CSRF token, calls
the same function the CLI's command calls (triage.assign, officers.approve, respond.send_weekly, ...) with the
web user as the actor, so its audit entry commits with the change. Mail queued by a change is sent after the
commit, as the CLI sends it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlencode

import jinja2
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from spocmail import logs
from spocmail.clock import Clock, parse_instant
from spocmail.config import Config
from spocmail.db import Database, audit
from spocmail.db.decisions import Identification
from spocmail.db.drafts import ResponseDraft
from spocmail.db.issues import CATEGORIES, Answer, Issue, IssueMessage, OfficerRequest
from spocmail.db.mail import Message
from spocmail.db.register import Arrangement, Customer, Officer
from spocmail.deadlines import WorkingCalendar
from spocmail.errors import SpocmailError
from spocmail.web import auth, safe
from spocmail.web.users import Access, access_of, by_proxy_identity, check_password

log = logs.get("web")
HERE = Path(__file__).resolve().parent
LIVE = ("open", "awaiting", "answered", "approved")
LOGIN_COOKIE = "spocmail_login"

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
# The frame that shows a draft's HTML as the customer will see it: its own styles, nothing else, no script.
FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'; sandbox"
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "cache-control": "no-store",
}


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class SecurityHeaders:
    """Pure ASGI middleware: every response gets the CSP and the other headers (a page may set its own CSP)."""

    def __init__(self, app, secure: bool):
        self.app, self.secure = app, secure

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = dict(HEADERS)
                extra.setdefault("content-security-policy", CSP)
                if self.secure:
                    extra["strict-transport-security"] = "max-age=31536000"
                headers = list(message.get("headers", []))
                for k, v in extra.items():
                    if k.encode() not in present:
                        headers.append((k.encode(), v.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class Ctx:
    """One request's view of the world: the signed-in account, its session row, a database session."""

    request: Request
    session: Session
    access: Access
    csrf: str
    now: datetime
    web: "Web"
    form: dict = field(default_factory=dict)
    after: list[Callable[[], None]] = field(default_factory=list)

    @property
    def actor(self) -> str:
        return self.access.name

    def render(self, template: str, status: int = 200, **values) -> HTMLResponse:
        return self.web.render(template, status, access=self.access, csrf=self.csrf, now=self.now,
                               notice=self.request.query_params.get("done"), **values)

    def back(self, path: str, message: str) -> RedirectResponse:
        return RedirectResponse(f"{path}?{urlencode({'done': message})}", status_code=303)

    def issue(self, ref: str, edit: bool = False) -> Issue:
        from spocmail import filing

        try:
            issue = filing.get_issue(self.session, ref)
        except SpocmailError:
            raise Refused(404, f"no issue {ref}") from None
        if not self.access.may_read_issue(self.session, issue) or (edit and not self.access.may_edit(issue.customer_id)):
            raise Refused(404 if not edit else 403, f"no issue {ref} that you may {'change' if edit else 'see'}")
        return issue

    def customer(self, customer_id: str) -> Customer:
        customer = self.session.get(Customer, customer_id)
        if customer is None or not self.access.may_edit(customer_id):
            raise Refused(404, f"no arrangement {customer_id} of yours")
        return customer


class Web:
    def __init__(self, config: Config, clock: Clock, database: Database):
        self.config, self.clock, self.database = config, clock, database
        self.limiter = auth.LoginLimiter(config.web.login_attempts, config.web.login_window_seconds)
        self.proxy = auth.ProxyTrust(config.web)
        self.calendar = WorkingCalendar(config.council.holidays)
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                      autoescape=True, undefined=jinja2.StrictUndefined,
                                      trim_blocks=True, lstrip_blocks=True)
        self.env.filters["local"] = self.local
        self.env.filters["q"] = lambda v: quote(str(v), safe="")

    def local(self, value, fmt: str = "%a %-d %b %Y %H:%M") -> str:
        if value is None:
            return "-"
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return value
        if isinstance(value, datetime):
            return value.astimezone(self.config.tz).strftime(fmt)
        return value.strftime("%a %-d %b %Y")

    def render(self, template: str, status: int = 200, **values) -> HTMLResponse:
        for key in ("notice", "access", "csrf", "message"):
            values.setdefault(key, None)
        html = self.env.get_template(template).render(council=self.config.council.name, **values)
        return HTMLResponse(html, status_code=status)

    def peer(self, request: Request) -> str:
        peer = request.client.host if request.client else ""
        if self.proxy.trusted(peer):  # the proxy says who connected to it (the last hop it added)
            forwarded = request.headers.get("x-forwarded-for", "")
            if forwarded.strip():
                return forwarded.split(",")[-1].strip()[:64]
        return peer

    def cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=self.config.web.secure_cookies,
                            httponly=True, samesite="strict")

    # ---------------------------------------------------------------- the request cycle

    def handle(self, request: Request, form: dict | None, fn: Callable[[Ctx], Response]) -> Response:
        now = self.clock.now()
        cookie_name = auth.cookie_name(self.config.web)
        token = request.cookies.get(cookie_name)
        new_token: str | None = None
        after: list[Callable[[], None]] = []
        try:
            with self.database.session() as session:
                found = auth.find_session(session, token, now)
                claimed = self.proxy.identity(request.client.host if request.client else None, request.headers)
                if claimed is not None:
                    user = by_proxy_identity(session, claimed)
                    if user is None:
                        raise Refused(403, f"the proxy signed in {claimed!r}, who has no account here "
                                           f"(`spocmail user add`)")
                    if found is None or found[1].id != user.id:
                        new_token, row = auth.open_session(session, user, now=now, address=self.peer(request),
                                                           minutes=self.config.web.session_minutes)
                        audit.record(session, at=now, actor=user.name, action="web.login", subject_type="web_user",
                                     subject_id=user.name, via="proxy", address=self.peer(request))
                        found = (row, user)
                if found is None:
                    if form is not None:
                        raise Refused(403, "not signed in: nothing was changed")
                    return RedirectResponse("/login", status_code=303)
                row, user = found
                if form is not None and not auth.csrf_ok(row, form.get("csrf")):
                    raise Refused(403, "the form's CSRF token is missing or wrong: nothing was changed; reload the "
                                       "page and try again")
                ctx = Ctx(request, session, access_of(session, user), row.csrf, now, self, form or {}, after)
                if form is not None and not ctx.access.edits:
                    raise Refused(403, "an officer's account reads; it changes nothing")
                response = fn(ctx)
        except Refused as exc:
            return self.render("error.html.j2", exc.status, message=exc.message, access=None)
        except SpocmailError as exc:
            return self.render("error.html.j2", 400, message=str(exc), access=None)
        for job in after:  # after the commit: the mail the change queued goes out
            try:
                job()
            except Exception:  # the outbox keeps it and retries; the page still reports the change made
                log.exception("sending after a web change failed; the outbox will retry")
        if new_token is not None:
            self.cookie(response, cookie_name, new_token, self.config.web.session_minutes * 60)
        return response

    def flush(self) -> None:
        from spocmail.sending import flush_outbox

        flush_outbox(self.config, self.database, self.clock)


def create_app(config: Config, clock: Clock, database: Database | None = None) -> Starlette:
    web = Web(config, clock, database or Database(config.database.url))

    def page(fn: Callable[[Ctx], Response], post: bool = False):
        async def endpoint(request: Request) -> Response:
            form = None
            if post:
                form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            return await run_in_threadpool(web.handle, request, form, lambda ctx: fn(ctx, **request.path_params))
        return endpoint

    routes = [
        Route("/login", _login_form(web), methods=["GET"]),
        Route("/login", _login(web), methods=["POST"]),
        Route("/logout", _logout(web), methods=["POST"]),
        Route("/static/web.css", _css, methods=["GET"]),
        Route("/", page(dashboard), methods=["GET"]),
        Route("/triage", page(triage_page), methods=["GET"]),
        Route("/triage/{message:int}/assign", page(triage_assign, post=True), methods=["POST"]),
        Route("/triage/{message:int}/address", page(triage_address, post=True), methods=["POST"]),
        Route("/triage/{message:int}/dismiss", page(triage_dismiss, post=True), methods=["POST"]),
        Route("/mail/{message:int}", page(mail_page), methods=["GET"]),
        Route("/mail/{message:int}/attachment/{index:int}", page(mail_attachment), methods=["GET"]),
        Route("/issues/{ref}", page(issue_page), methods=["GET"]),
        Route("/issues/{ref}/{action}", page(issue_action, post=True), methods=["POST"]),
        Route("/weekly/{customer}", page(weekly_page), methods=["GET"]),
        Route("/weekly/{customer}/draft/{ident}", page(weekly_frame), methods=["GET"]),
        Route("/weekly/{customer}/send", page(weekly_send, post=True), methods=["POST"]),
        Route("/register", page(register_page), methods=["GET"]),
        Route("/contact/{customer}", page(contact_page), methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.web = web
    return SecurityHeaders(app, config.web.secure_cookies)


# ---------------------------------------------------------------- sign-in


def _login_form(web: Web):
    async def endpoint(request: Request) -> Response:
        return _login_page(web, request, None, 200)
    return endpoint


def _login_page(web: Web, request: Request, message: str | None, status: int) -> Response:
    nonce = secrets.token_urlsafe(24)  # double-submit: the form and a Strict cookie must carry the same value
    response = web.render("login.html.j2", status, access=None, csrf=nonce, message=message, notice=None)
    web.cookie(response, LOGIN_COOKIE, nonce, 3600)
    return response


def _login(web: Web):
    async def endpoint(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        return await run_in_threadpool(_do_login, web, request, form)
    return endpoint


def _do_login(web: Web, request: Request, form: dict) -> Response:
    import hmac

    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not hmac.compare_digest(nonce.encode(), form.get("csrf", "").encode()):
        return web.render("error.html.j2", 403, access=None, message="the sign-in form's CSRF token is missing or "
                                                                     "wrong; reload the sign-in page")
    name, password = form.get("name", "").strip()[:200], form.get("password", "")[:1024]
    peer = web.peer(request)
    if web.limiter.blocked(peer, name):
        return _login_page(web, request, "Too many failed sign-ins: wait a few minutes and try again.", 429)
    now = web.clock.now()
    with web.database.session() as session:
        user = check_password(session, name, password) if name and password else None
        if user is None:
            web.limiter.failed(peer, name)
            audit.record(session, at=now, actor=name or "(no name)", action="web.login_failed",
                         subject_type="web_user", subject_id=name or "-", address=peer)
            refused = True
        else:
            web.limiter.succeeded(peer, name)
            token, _row = auth.open_session(session, user, now=now, minutes=web.config.web.session_minutes,
                                            address=peer)
            audit.record(session, at=now, actor=user.name, action="web.login", subject_type="web_user",
                         subject_id=user.name, via="password", address=peer)
            refused = False
    if refused:
        return _login_page(web, request, "That name and password do not match an account.", 401)
    response = RedirectResponse("/", status_code=303)
    web.cookie(response, auth.cookie_name(web.config.web), token, web.config.web.session_minutes * 60)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def _logout(web: Web):
    async def endpoint(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}

        def out(ctx: Ctx) -> Response:
            auth.close_session(ctx.session, request.cookies.get(auth.cookie_name(web.config.web)))
            audit.record(ctx.session, at=ctx.now, actor=ctx.actor, action="web.logout", subject_type="web_user",
                         subject_id=ctx.actor)
            response = RedirectResponse("/login", status_code=303)
            response.delete_cookie(auth.cookie_name(web.config.web), path="/")
            return response

        def run() -> Response:  # an officer may sign out too: logout is the one POST a reader makes
            now = web.clock.now()
            with web.database.session() as session:
                found = auth.find_session(session, request.cookies.get(auth.cookie_name(web.config.web)), now)
                if found is None or not auth.csrf_ok(found[0], form.get("csrf")):
                    return web.render("error.html.j2", 403, access=None, message="not signed in, or the form's "
                                                                                 "CSRF token is wrong")
                ctx = Ctx(request, session, access_of(session, found[1]), found[0].csrf, now, web)
                return out(ctx)
        return await run_in_threadpool(run)
    return endpoint


async def _css(request: Request) -> Response:
    return Response((HERE / "static" / "web.css").read_text(encoding="utf-8"), media_type="text/css",
                    headers={"cache-control": "max-age=3600"})


# ---------------------------------------------------------------- the dashboard


def _today(ctx: Ctx):
    return ctx.now.astimezone(ctx.web.config.tz).date()


def dashboard(ctx: Ctx) -> Response:
    s, a = ctx.session, ctx.access
    today = _today(ctx)
    horizon = ctx.web.calendar.add_working_days(today, 5)
    if not a.edits:
        mine = [i for i in a.officer_issues(s) if i.status in LIVE]
        requests = s.scalars(select(OfficerRequest).where(OfficerRequest.officer_id == a.officer_id,
                                                          OfficerRequest.status == "sent")
                             .order_by(OfficerRequest.needed_by)).all()
        return ctx.render("officer.html.j2", issues=mine, requests=requests, today=today)
    customers = sorted(a.customers)
    live = s.scalars(select(Issue).where(Issue.customer_id.in_(customers), Issue.status.in_(LIVE),
                                         Issue.merged_into_id.is_(None)).order_by(Issue.due, Issue.id)).all()
    due_soon = [i for i in live if i.due is not None and today <= i.due <= horizon]
    late = [i for i in live if i.due is not None and i.due < today]
    overdue = s.execute(select(OfficerRequest, Issue).join(Issue, Issue.id == OfficerRequest.issue_id)
                        .where(Issue.customer_id.in_(customers), OfficerRequest.status == "sent",
                               OfficerRequest.needed_by < today).order_by(OfficerRequest.needed_by)).all()
    answers = s.execute(select(Answer, Issue).join(Issue, Issue.id == Answer.issue_id)
                        .where(Issue.customer_id.in_(customers), Answer.approved_at.is_(None),
                               Answer.sent_in.is_(None), Issue.status.in_(LIVE))
                        .order_by(Answer.received_at)).all()
    drafts_waiting = s.scalars(select(ResponseDraft).where(ResponseDraft.customer_id.in_(customers),
                                                           ResponseDraft.status == "current")
                               .order_by(ResponseDraft.compiled_at)).all()
    reviews = s.scalars(select(Arrangement).where(Arrangement.customer_id.in_(customers),
                                                  Arrangement.status == "active", Arrangement.review.is_not(None),
                                                  Arrangement.review <= horizon)
                        .order_by(Arrangement.review)).all()
    waiting = s.scalar(select(Identification.id).where(Identification.decision == "triage").limit(1)) is not None
    triage_count = len(_waiting(ctx)) if waiting else 0
    return ctx.render("dashboard.html.j2", today=today, horizon=horizon, due_soon=due_soon, late=late,
                      overdue=overdue, answers=answers, drafts=drafts_waiting, reviews=reviews,
                      triage_count=triage_count, customers=customers)


# ---------------------------------------------------------------- triage


def _waiting(ctx: Ctx) -> list[dict]:
    from spocmail import triage

    rows = triage.waiting(ctx.session)
    for r in rows:  # guesses name only the arrangements this account works on
        r["guesses"] = [g for g in (r["guesses"] or []) if g.get("customer") in ctx.access.customers]
    return rows


def triage_page(ctx: Ctx) -> Response:
    if not ctx.access.edits:
        raise Refused(403, "triage is for the SPOC and deputy")
    return ctx.render("triage.html.j2", rows=_waiting(ctx), customers=sorted(ctx.access.customers))


def _triage_mail(ctx: Ctx, message: int) -> Identification:
    decision = ctx.session.scalar(select(Identification).where(Identification.message_pk == message))
    if decision is None or decision.decision != "triage":
        raise Refused(404, f"mail {message} is not waiting in triage")
    return decision


def triage_assign(ctx: Ctx, message: int) -> Response:
    from spocmail import triage
    from spocmail.pipeline import file_assigned

    _triage_mail(ctx, message)
    customer = ctx.customer(ctx.form.get("customer", ""))
    result = triage.assign(ctx.session, message, customer.id, confirm_address=bool(ctx.form.get("confirm_address")),
                           actor=ctx.actor, now=ctx.now)
    ctx.session.flush()
    refs = file_assigned(ctx.session, message, ctx.web.config, ctx.now)
    ctx.after.append(ctx.web.flush)
    extra = f"; {result['confirmed_address']} confirmed" if result["confirmed_address"] else ""
    return ctx.back("/triage", f"mail {message} filed for {customer.id}{extra}; issues: {', '.join(refs) or 'none'}")


def triage_address(ctx: Ctx, message: int) -> Response:
    from spocmail import triage

    decision = _triage_mail(ctx, message)
    customer = ctx.customer(ctx.form.get("customer", ""))
    status = ctx.form.get("status")
    if status not in ("confirmed", "rejected"):
        raise Refused(400, "status: expected confirmed or rejected")
    email = decision.suggest_address or decision.sender
    triage.set_address(ctx.session, customer.id, email, status, actor=ctx.actor, now=ctx.now,
                       source=f"web triage of mail {message}")
    return ctx.back("/triage", f"{email} {status} for {customer.id}")


def triage_dismiss(ctx: Ctx, message: int) -> Response:
    from spocmail import triage

    _triage_mail(ctx, message)
    triage.dismiss(ctx.session, message, actor=ctx.actor, now=ctx.now, reason=ctx.form.get("reason", "")[:500])
    return ctx.back("/triage", f"mail {message} dismissed: not a request")


# ---------------------------------------------------------------- a mail


def _readable_mail(ctx: Ctx, message: int) -> Message:
    m = ctx.session.get(Message, message)
    if m is None:
        raise Refused(404, f"no mail {message}")
    if ctx.access.edits:
        if m.customer_id in ctx.access.customers:
            return m
        decision = ctx.session.scalar(select(Identification).where(Identification.message_pk == message))
        if m.customer_id is None and decision is not None and decision.decision == "triage":
            return m
    else:
        for link in ctx.session.scalars(select(IssueMessage).where(IssueMessage.message_pk == message)):
            issue = ctx.session.get(Issue, link.issue_id)
            if link.role not in ("acknowledgement",) and ctx.access.may_read_issue(ctx.session, issue):
                return m
    raise Refused(404, f"no mail {message} that you may see")


def mail_page(ctx: Ctx, message: int) -> Response:
    m = _readable_mail(ctx, message)
    return ctx.render("mail.html.j2", message=m, shown=safe.show(m.raw))


def mail_attachment(ctx: Ctx, message: int, index: int) -> Response:
    m = _readable_mail(ctx, message)
    found = safe.attachment(m.raw, index)
    if found is None:
        raise Refused(404, f"mail {message} has no attachment {index}")
    name, payload = found
    return Response(payload, media_type="application/octet-stream",
                    headers={"content-disposition": safe.content_disposition(name),
                             "content-security-policy": "default-src 'none'; sandbox"})


# ---------------------------------------------------------------- an issue


def _timeline(ctx: Ctx, issue: Issue) -> list[dict]:
    s, events = ctx.session, []
    answered = {a.message_pk for a in issue.answers if a.message_pk is not None}
    for link in issue.links:
        if link.role == "answer" and link.message_pk in answered:
            continue  # shown once, as the answer
        m = s.get(Message, link.message_pk)
        events.append({"at": link.added_at, "kind": link.role, "what": f"{m.from_email or '?'}: {m.subject}",
                       "mail": m.id})
    for r in issue.requests:
        events.append({"at": r.sent_at, "kind": "request", "what": f"asked {r.officer_id}, needed by "
                       f"{r.needed_by:%a %-d %b}; {r.status}", "mail": None})
    for a in issue.answers:
        events.append({"at": a.received_at, "kind": "answer", "mail": a.message_pk,
                       "what": f"from {a.officer_id or 'the SPOC'}" + (f"; approved by {a.approved_by}"
                                                                       if a.approved_at else "; awaiting approval")})
    if ctx.access.edits:
        for n in issue.notes:
            events.append({"at": n.created_at, "kind": "note", "what": f"{n.author}: {n.text}", "mail": None})
    return sorted(events, key=lambda e: e["at"])


def issue_page(ctx: Ctx, ref: str) -> Response:
    issue = ctx.issue(ref)
    officers = ctx.session.scalars(select(Officer).order_by(Officer.id)).all() if ctx.access.edits else []
    return ctx.render("issue.html.j2", issue=issue, timeline=_timeline(ctx, issue), officers=officers,
                      categories=CATEGORIES, answer=issue.answers[-1] if issue.answers else None,
                      edits=ctx.access.may_edit(issue.customer_id))


def _instant(value: str | None, what: str) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        return parse_instant(value.strip())
    except ValueError:
        raise Refused(400, f"{what} {value!r}: expected a date and time such as 2026-12-02T10:00") from None


def issue_action(ctx: Ctx, ref: str, action: str) -> Response:
    from spocmail import filing, officers
    from spocmail.filing import FilingError

    issue = ctx.issue(ref, edit=True)
    f, cal, cfg = ctx.form, ctx.web.calendar, ctx.web.config
    if action == "answer":
        officers.edit_answer(ctx.session, issue, f.get("text", ""), actor=ctx.actor, now=ctx.now)
        done = "answer saved: approve it to send it"
    elif action == "approve":
        shown = f.get("answer", "")  # the answer the page showed: that one, and only that one, is approved
        n = officers.approve(ctx.session, issue, actor=ctx.actor, now=ctx.now,
                             answer_ids=[int(shown)] if shown.isdigit() else None)
        done = "answer approved" if n else "already approved: nothing changed"
    elif action == "assign":
        officer = f.get("officer", "")
        if ctx.session.get(Officer, officer) is None:
            raise FilingError(f"no officer {officer!r} in the register")
        for req in issue.requests:
            if req.status == "sent":
                req.status = "cancelled"  # a reply to the old request is now stale (as `issues assign`)
        officers.send_request(ctx.session, issue, officer, cfg, cal, ctx.now, reason=f"assigned by {ctx.actor}")
        audit.record(ctx.session, at=ctx.now, actor=ctx.actor, action="issue.assigned", subject_type="issue",
                     subject_id=issue.ref, officer=officer)
        ctx.after.append(ctx.web.flush)
        done = f"sent to {officer}"
    elif action == "categorise":
        filing.recategorise(ctx.session, issue, f.get("category", ""), actor=ctx.actor, now=ctx.now, calendar=cal)
        done = f"now {issue.category}" + (f", due {issue.due}" if issue.due else "")
    elif action == "clarify":
        asked, received = _instant(f.get("asked"), "asked"), _instant(f.get("received"), "received")
        c = filing.clarify(ctx.session, issue, asked=asked, received=received, actor=ctx.actor, now=ctx.now,
                           calendar=cal, tz=cfg.council.timezone)
        done = "clarification asked for: the clock is stopped" if c["awaiting"] else \
            f"clarification recorded; due {c['after'] or '-'}"
    elif action == "extend":
        kind = f.get("kind", "")
        if kind not in ("eir-extended", "sar-extended"):
            raise Refused(400, "kind: expected eir-extended or sar-extended")
        e = filing.extend(ctx.session, issue, kind, reason=f.get("reason", ""), actor=ctx.actor, now=ctx.now,
                          calendar=cal, tz=cfg.council.timezone)
        done = f"extended: due {e['after']}" if e["changed"] else "already extended: nothing changed"
    elif action == "note":
        filing.add_note(ctx.session, issue, f.get("text", ""), actor=ctx.actor, now=ctx.now)
        done = "note added"
    elif action == "merge":
        keep = ctx.issue(f.get("into", "").strip(), edit=True)
        filing.merge(ctx.session, keep, issue, actor=ctx.actor, now=ctx.now)
        return ctx.back(f"/issues/{quote(keep.ref)}", f"{issue.ref} merged into {keep.ref}")
    elif action == "split":
        from spocmail.resources import rules_file
        from spocmail.rules import load_classify

        parts = [p.strip() for p in f.get("parts", "").split("\n") if p.strip()]
        created = filing.split(ctx.session, issue, parts, actor=ctx.actor, now=ctx.now,
                               rules=load_classify(rules_file("classify.toml", cfg)), calendar=cal)
        done = "split: " + ", ".join(i.ref for i in created)
    else:
        raise Refused(404, f"no action {action!r} on an issue")
    return ctx.back(f"/issues/{quote(issue.ref)}", f"{issue.ref}: {done}")


# ---------------------------------------------------------------- the weekly response


def weekly_page(ctx: Ctx, customer: str) -> Response:
    from spocmail import drafts, respond

    c = ctx.customer(customer)
    doc = respond.weekly_preview(ctx.session, c.id, ctx.web.config, ctx.web.calendar, ctx.now)
    row = drafts.find(ctx.session, c.id, doc["draft"])
    mail = drafts.customer_mail(row)
    attachments = [{"name": a.get_filename(), "type": a.get_content_type()} for a in mail.iter_attachments()]
    return ctx.render("weekly.html.j2", customer=c, doc=doc, row=row, attachments=attachments,
                      has_html=mail.get_body(("html",)) is not None,
                      extras=[info for info, _ in drafts.extra_mails(row)])


def weekly_frame(ctx: Ctx, customer: str, ident: str) -> Response:
    from spocmail import drafts

    c = ctx.customer(customer)
    row = drafts.find(ctx.session, c.id, ident)
    part = drafts.customer_mail(row).get_body(("html",))
    if part is None:
        raise Refused(404, "this draft has no HTML part")
    return HTMLResponse(part.get_content(), headers={"content-security-policy": FRAME_CSP,
                                                     "x-frame-options": "SAMEORIGIN"})


def weekly_send(ctx: Ctx, customer: str) -> Response:
    from spocmail import respond

    c = ctx.customer(customer)
    ident = ctx.form.get("draft", "").strip()
    if not ident:
        raise Refused(400, "no draft named: approve the draft you were shown (reload the weekly page)")
    try:
        with ctx.session.begin_nested():
            result = respond.send_weekly(ctx.session, c.id, ctx.web.config, ctx.web.calendar, ctx.now,
                                         approve=True, actor=ctx.actor, draft_id=ident)
    except respond.AlreadySent as exc:
        return ctx.back("/", str(exc))
    ctx.after.append(ctx.web.flush)
    return ctx.back("/", f"weekly response {result.get('draft') or ''} for {c.id}: {result['status']}")


# ---------------------------------------------------------------- the register


def register_page(ctx: Ctx) -> Response:
    from spocmail import register

    if not ctx.access.edits:
        raise Refused(403, "the register is for the SPOC and deputy")
    docs = [register.show(ctx.session, cid) for cid in sorted(ctx.access.customers)]
    return ctx.render("register.html.j2", docs=docs)


def contact_page(ctx: Ctx, customer: str) -> Response:
    """The contact chart: the customer's own contacts per ISO week (as `spocmail report contact`)."""
    from spocmail.report import contact_volume

    c = ctx.customer(customer)
    rows = contact_volume(ctx.session, c.id, ctx.web.config.tz, None, ctx.now)
    top = max([r["mails"] for r in rows] + [1])
    return ctx.render("contact.html.j2", customer=c, rows=rows, top=top)

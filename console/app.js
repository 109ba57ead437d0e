// SPDX-License-Identifier: Apache-2.0
// The consultant's console: one live card per device, fed by /api/v1/events. No framework, no build step.
"use strict";

const TEXT = {
  ru: { title: "Приём устройств", login: "Вход консультанта", consultant: "Консультант", pin: "PIN", enter: "Войти",
        logout: "Выйти", empty: "Подключите телефон к стенду.", offer: "Предложение", accept: "Клиент согласен: выписать сертификат",
        decline: "Клиент отказался", holder: "Владелец", name: "ФИО", iin: "ИИН", birth: "Дата рождения",
        document: "Номер удостоверения", send: "Сохранить ответы", pass: "да", fail: "нет", cosmetic: "Внешний вид",
        box: "Коробка", charger: "Зарядное устройство", certificate: "Сертификат", other: "Сессия другого консультанта",
        gone: "Устройство отключено", badIIN: "ИИН неверен: проверьте 12 цифр по удостоверению.", storage: "Память, ГБ",
        imei: "IMEI", battery: "Аккумулятор", locks: "Блокировки", wrong: "Неверный консультант или PIN.",
        erase: "Стереть устройство (клиент здесь и согласен)", erasure: "Стирание",
        eraseConfirm: "Всё на устройстве будет удалено навсегда. Клиент присутствует и согласен?",
        erasing: "идёт…", erased: "стёрто", erased_unverified: "стёрто, не проверено", not_erased: "не стёрто", refused: "не начато" },
  kk: { title: "Құрылғыларды қабылдау", login: "Кеңесшінің кіруі", consultant: "Кеңесші", pin: "PIN", enter: "Кіру",
        logout: "Шығу", empty: "Телефонды стендке қосыңыз.", offer: "Ұсыныс", accept: "Клиент келісті: сертификат беру",
        decline: "Клиент бас тартты", holder: "Иесі", name: "Аты-жөні", iin: "ЖСН", birth: "Туған күні",
        document: "Куәлік нөмірі", send: "Жауаптарды сақтау", pass: "иә", fail: "жоқ", cosmetic: "Сыртқы түрі",
        box: "Қорап", charger: "Зарядтағыш", certificate: "Сертификат", other: "Басқа кеңесшінің сессиясы",
        gone: "Құрылғы ажыратылды", badIIN: "ЖСН қате: куәліктегі 12 цифрды тексеріңіз.", storage: "Жад, ГБ",
        imei: "IMEI", battery: "Аккумулятор", locks: "Құлыптар", wrong: "Кеңесші немесе PIN қате.",
        erase: "Құрылғыны өшіру (клиент осында және келісті)", erasure: "Өшіру",
        eraseConfirm: "Құрылғыдағы барлық дерек біржола жойылады. Клиент осында және келісе ме?",
        erasing: "жүріп жатыр…", erased: "өшірілді", erased_unverified: "өшірілді, тексерілмеді", not_erased: "өшірілмеді", refused: "басталмады" },
  en: { title: "Device intake", login: "Consultant login", consultant: "Consultant", pin: "PIN", enter: "Log in",
        logout: "Log out", empty: "Plug a phone into the bench.", offer: "Offer", accept: "Customer accepts: issue the certificate",
        decline: "Customer declines", holder: "Holder", name: "Full name", iin: "IIN", birth: "Birth date",
        document: "Document number", send: "Save answers", pass: "yes", fail: "no", cosmetic: "Cosmetic grade",
        box: "Box", charger: "Charger", certificate: "Certificate", other: "Another consultant's session",
        gone: "The device was unplugged", badIIN: "The IIN is wrong: check the 12 digits on the identity document.",
        storage: "Storage, GB", imei: "IMEI", battery: "Battery", locks: "Locks", wrong: "Wrong consultant or PIN.",
        erase: "Erase the device (the customer is here and agrees)", erasure: "Erasure",
        eraseConfirm: "Everything on the device is deleted for good. Is the customer here, and do they agree?",
        erasing: "in progress…", erased: "erased", erased_unverified: "erased, not verified", not_erased: "not erased", refused: "not started" },
};

const state = { token: sessionStorage.getItem("token"), csrf: sessionStorage.getItem("csrf"),
                me: JSON.parse(sessionStorage.getItem("me") || "null"), lang: localStorage.getItem("lang") || "ru",
                checks: {}, sessions: new Map(), drafts: new Map() };

function t(key) { return (TEXT[state.lang] || TEXT.ru)[key] || TEXT.en[key] || key; }
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat(Infinity)) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/// The IIN's control digit (domain.md: weights 1..11, then 3..11,1,2 when the first sum gives 10).
function iinValid(iin) {
  if (!/^\d{12}$/.test(iin)) return false;
  const d = [...iin].map(Number);
  if (d[6] < 1 || d[6] > 6) return false;
  let sum = 0; for (let i = 0; i < 11; i++) sum += d[i] * (i + 1);
  let check = sum % 11;
  if (check === 10) { sum = 0; for (let i = 0; i < 11; i++) sum += d[i] * (((i + 2) % 11) + 1); check = sum % 11; }
  return check !== 10 && check === d[11];
}

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const response = await fetch("/api/v1" + path, { ...options, headers, credentials: "same-origin" });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/login") { logout(); }
  return { status: response.status, body };
}

function translate() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  document.getElementById("language").value = state.lang;
}

async function login(event) {
  event.preventDefault();
  const consultant = document.getElementById("login-consultant").value.trim();
  const pin = document.getElementById("login-pin").value;
  const { status, body } = await api("/login", { method: "POST", body: JSON.stringify({ consultant, pin }) });
  document.getElementById("login-pin").value = "";
  if (status !== 200) { document.getElementById("login-error").textContent = body.error || t("wrong"); return; }
  state.token = body.token; state.csrf = body.csrf_token; state.me = body.consultant;
  sessionStorage.setItem("token", state.token); sessionStorage.setItem("csrf", state.csrf);
  sessionStorage.setItem("me", JSON.stringify(state.me));
  if (body.consultant.language) { state.lang = body.consultant.language; localStorage.setItem("lang", state.lang); }
  start();
}

function logout() {
  if (state.token) fetch("/api/v1/logout", { method: "POST", headers: { Authorization: "Bearer " + state.token } });
  sessionStorage.clear(); state.token = null; state.me = null;
  if (state.events) state.events.close();
  document.getElementById("login").hidden = false; document.getElementById("bench").hidden = true;
  document.getElementById("logout").hidden = true; document.getElementById("who").textContent = "";
}

async function start() {
  document.getElementById("login").hidden = true; document.getElementById("bench").hidden = false;
  document.getElementById("logout").hidden = false;
  document.getElementById("who").textContent = state.me ? state.me.name : "";
  translate();
  const checks = await api("/checks");
  if (checks.status === 200) for (const check of checks.body.checks) state.checks[check.id] = check;
  const list = await api("/sessions");
  if (list.status === 200) for (const session of list.body.sessions) update(session);
  // The stream authenticates with the HttpOnly cookie the login set (EventSource sends no headers); it
  // reconnects by itself and gets every session again, so a tablet that slept catches up.
  state.events = new EventSource("/api/v1/events");
  state.events.addEventListener("session", (event) => update(JSON.parse(event.data)));
}

function update(session) {
  state.sessions.set(session.id, session);
  const old = document.getElementById("card-" + session.id);
  const fresh = card(session);
  if (old) old.replaceWith(fresh); else document.getElementById("cards").prepend(fresh);
  document.getElementById("empty").hidden = state.sessions.size > 0;
}

function label(id) {
  const check = state.checks[id];
  if (!check) return id;
  return check.label[state.lang] || check.label.ru || check.label.en;
}

function card(session) {
  const device = session.device || {};
  const model = device.model || {};
  const locks = device.locks || {};
  const mine = !session.consultant || !state.me || session.consultant === state.me.id;
  const classes = ["card"];
  if (session.state === "cancelled") classes.push("gone");
  if (session.state === "refused") classes.push("refused");
  if (["certificate_issued", "printed"].includes(session.state)) classes.push("done");
  if (!mine) classes.push("other");
  const facts = [
    ["", session.device_key],
    [t("imei"), (device.imei || []).join(", ") || "—"],
    [t("storage"), device.storage_gb ?? "—"],
    [t("battery"), device.battery && device.battery.health_percent != null ? device.battery.health_percent + " %" : "—"],
  ];
  const lockNotes = [];
  if (locks.find_my) lockNotes.push("Find My");
  if (locks.passcode_set) lockNotes.push("passcode");
  if (locks.accounts && locks.accounts.length) lockNotes.push(locks.accounts.join(", "));
  if (locks.mdm) lockNotes.push("MDM");
  if (lockNotes.length) facts.push([t("locks"), lockNotes.join("; ")]);
  const node = el("article", { class: classes.join(" "), id: "card-" + session.id, "data-state": session.state },
    el("h3", {}, [model.brand, model.name || model.identifier || "?"].filter(Boolean).join(" ")),
    el("div", { class: "state" }, session.state.replaceAll("_", " ")),
    mine ? null : el("div", { class: "todo" }, t("other")),
    session.state === "cancelled" ? el("div", { class: "todo" }, t("gone")) : null,
    el("dl", {}, facts.map(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))])),
    session.message ? el("p", { class: "message" }, session.message) : null,
    device.advice ? el("p", { class: "todo" }, device.advice) : null,
    session.refusal ? el("div", { class: "todo" }, session.refusal.reasons.join(" ")) : null,
    session.offer ? el("div", { class: "offer" }, t("offer") + ": " + session.offer.amount_kzt.toLocaleString("ru-RU") + " ₸ (" + session.offer.grade + ")") : null,
    session.certificate ? el("div", { class: "offer" }, t("certificate") + " " + session.certificate.number) : null,
    session.erasure ? el("div", { class: session.erasure.state === "erased" ? "offer erasure" : "todo erasure", "data-erasure": session.erasure.state },
      t("erasure") + ": " + t(session.erasure.state) + (session.erasure.number ? " (" + session.erasure.number + ")" : "")
        + (session.erasure.reason ? ". " + session.erasure.reason : "")) : null,
    mine && session.missing.length ? form(session) : null,
    mine && erasable(session) ? eraseButton(session) : null);
  return node;
}

/// After the certificate, once per device (again after a failure): the customer present and agreeing.
function erasable(session) {
  if (!["certificate_issued", "printed"].includes(session.state)) return false;
  return !session.erasure || ["refused", "not_erased", "erased_unverified"].includes(session.erasure.state);
}

function eraseButton(session) {
  const error = el("p", { class: "error", role: "alert" });
  const button = el("button", { type: "button", class: "erase", "data-session": session.id, onclick: async () => {
    if (!window.confirm(t("eraseConfirm"))) return;
    button.disabled = true;
    const { status, body } = await api("/sessions/" + session.id + "/erase", { method: "POST", body: JSON.stringify({ customer_present: true }) });
    if (status !== 202) { button.disabled = false; error.textContent = body.error || String(status); return; }
    update(body);
  } }, t("erase"));
  return el("div", { class: "erase-step" }, button, error);
}

function form(session) {
  const draft = state.drafts.get(session.id) || {};
  const checks = session.missing.filter((id) => !id.includes(".") && !["box", "charger", "accept_offer"].includes(id));
  const error = el("p", { class: "error", role: "alert" });
  const form = el("form", { class: "answers", "data-session": session.id });
  if (checks.length) {
    form.append(el("fieldset", {}, checks.map((id) => el("label", { class: "check" }, label(id),
      el("select", { name: "check:" + id }, el("option", { value: "" }, "—"), el("option", { value: "pass" }, t("pass")),
        el("option", { value: "fail" }, t("fail")))))));
    form.append(el("label", { class: "check" }, t("cosmetic"), el("select", { name: "cosmetic" },
      ["", "A", "B", "C", "D"].map((g) => el("option", { value: g }, g || "—")))));
  }
  if (session.missing.includes("box")) form.append(el("label", { class: "check" }, t("box"), el("input", { type: "checkbox", name: "box" })));
  if (session.missing.includes("charger")) form.append(el("label", { class: "check" }, t("charger"), el("input", { type: "checkbox", name: "charger" })));
  if (session.missing.includes("device.storage_gb")) form.append(el("label", {}, t("storage"), el("input", { name: "storage_gb", inputmode: "numeric" })));
  if (session.missing.includes("device.imei")) form.append(el("label", {}, t("imei"), el("input", { name: "imei", inputmode: "numeric" })));
  if (session.missing.some((id) => id.startsWith("holder."))) {
    const iin = el("input", { name: "iin", inputmode: "numeric", maxlength: 12, autocomplete: "off", value: draft.iin || "" });
    iin.addEventListener("input", () => {
      state.drafts.set(session.id, { ...draft, iin: iin.value });
      error.textContent = iin.value.length === 12 && !iinValid(iin.value) ? t("badIIN") : "";
    });
    form.append(el("fieldset", {}, el("legend", {}, t("holder")),
      el("label", {}, t("name"), el("input", { name: "name", value: draft.name || "" })),
      el("label", {}, t("iin"), iin),
      el("label", {}, t("birth"), el("input", { name: "birth_date", type: "date", value: draft.birth_date || "" })),
      el("label", {}, t("document"), el("input", { name: "document_number", value: draft.document_number || "" }))));
  }
  form.append(error);
  const submit = (accept) => async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const answers = { checklist: { answers: {} } };
    for (const [key, value] of data.entries()) {
      if (key.startsWith("check:") && value) answers.checklist.answers[key.slice(6)] = value;
    }
    if (data.get("cosmetic")) answers.checklist.cosmetic = data.get("cosmetic");
    if (session.missing.includes("box")) answers.box = data.get("box") === "on";
    if (session.missing.includes("charger")) answers.charger = data.get("charger") === "on";
    if (data.get("storage_gb")) answers.device = { ...(answers.device || {}), storage_gb: Number(data.get("storage_gb")) };
    if (data.get("imei")) answers.device = { ...(answers.device || {}), imei: [data.get("imei")] };
    if (data.get("name") || data.get("iin")) {
      if (!iinValid(data.get("iin") || "")) { error.textContent = t("badIIN"); return; }
      answers.holder = { name: data.get("name"), iin: data.get("iin"), birth_date: data.get("birth_date"),
                         document_number: data.get("document_number") };
    }
    if (accept !== null) answers.accept_offer = accept;
    const { status, body } = await api("/sessions/" + session.id + "/answers", { method: "POST", body: JSON.stringify(answers) });
    if (status !== 200) { error.textContent = body.error || String(status); return; }
    state.drafts.delete(session.id);
    update(body);
  };
  form.append(el("button", { type: "submit", class: "secondary", onclick: submit(null) }, t("send")));
  if (session.offer) {
    form.append(" ", el("button", { type: "button", class: "accept", onclick: submit(true) }, t("accept")));
    form.append(" ", el("button", { type: "button", class: "secondary", onclick: submit(false) }, t("decline")));
  }
  return form;
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login").addEventListener("submit", login);
  document.getElementById("logout").addEventListener("click", logout);
  document.getElementById("language").addEventListener("change", (event) => {
    state.lang = event.target.value; localStorage.setItem("lang", state.lang); translate();
    if (state.token) api("/consultant/language", { method: "POST", body: JSON.stringify({ language: state.lang }) });
    for (const session of state.sessions.values()) update(session);
  });
  translate();
  if (state.token) start();
});

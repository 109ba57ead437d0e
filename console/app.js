// SPDX-License-Identifier: Apache-2.0
// The consultant's console: one live card per device, fed by /api/v1/events, and the certificates (lookup, the
// day's intakes, the accounting export). No framework, no build step.
"use strict";

const TEXT = {
  ru: { carrierLock: "Телефон привязан к оператору: разблокировать может только оператор.", reactivation: "Включена Reactivation Lock: удалите Samsung account.", simPIN: "SIM-карта просит PIN: выньте SIM-карту.", title: "Приём устройств", login: "Вход консультанта", consultant: "Консультант", pin: "PIN", enter: "Войти",
        logout: "Выйти", empty: "Подключите телефон к стенду.", offer: "Предложение", accept: "Клиент согласен: выписать сертификат",
        decline: "Клиент отказался", holder: "Владелец", name: "ФИО", iin: "ИИН", birth: "Дата рождения",
        document: "Номер удостоверения", send: "Сохранить ответы", pass: "да", fail: "нет", cosmetic: "Внешний вид",
        box: "Коробка", charger: "Зарядное устройство", certificate: "Сертификат", other: "Сессия другого консультанта",
        gone: "Устройство отключено", badIIN: "ИИН неверен: проверьте 12 цифр по удостоверению.", storage: "Память, ГБ",
        imei: "IMEI", battery: "Аккумулятор", locks: "Блокировки", wrong: "Неверный консультант или PIN.",
        erase: "Стереть устройство (клиент здесь и согласен)", erasure: "Стирание",
        eraseConfirm: "Всё на устройстве будет удалено навсегда. Клиент присутствует и согласен?",
        erasing: "идёт…", erased: "стёрто", erased_unverified: "стёрто, не проверено", not_erased: "не стёрто", refused: "не начато",
        bench: "Стенд", certificates: "Сертификаты", lookup: "Найти сертификат", lookupHint: "Номер сертификата или IMEI",
        find: "Найти", today: "Приём за день", number: "Номер", model: "Модель", grade: "Оценка", amount: "Сумма",
        status: "Статус", export: "Выгрузка для бухгалтерии (CSV)", from: "С", to: "По", download: "Скачать CSV",
        notFound: "Сертификат не найден.", expires: "Действует до", issuedOn: "Выписан", store: "Магазин",
        redeemed: "погашен", voided: "аннулирован", issued: "выписан", printed: "напечатан", total: "Итого",
        count: "сертификатов", automatic: "проверено устройством", readAgain: "Прочитать телефон снова",
        reprint: "Напечатать ещё раз", reprintReason: "Причина повторной печати:", calculator: "Расчёт по «Контрактному телефону»",
        price: "Цена телефона", minPrepayment: "Мин. предоплата", maxPrepayment: "Макс. предоплата", months: "Месяцев",
        compute: "Рассчитать", prepayment: "Предоплата", fromCertificate: "из сертификата", customerPays: "клиент платит",
        monthly: "Ежемесячный платёж", firstPayment: "Первый платёж", toBalance: "На баланс номера", financed: "В рассрочку",
        badIMEI: "IMEI — 15 цифр, последняя проверяет остальные: посмотрите *#06# или лоток SIM.",
        age: "Возраст по дате рождения вне 21–68 лет: сертификат не выписывается.",
        mismatch: "Первые шесть цифр ИИН не совпадают с датой рождения: проверьте удостоверение (с 2013 года это допустимо).",
        blockerConfirm: "Ответ «нет» здесь означает отказ в приёме телефона. Продолжить?", kind: "Тип", port: "Порт",
        colour: "Цвет", ios: "iPhone / iPad", android: "Android", usb: "USB",
        s_detected: "обнаружен", s_identified: "определён", s_awaiting_trust: "ждёт «Доверять»", s_awaiting_authorization: "ждёт «Разрешить»",
        s_reading: "чтение…", s_checklist: "проверка", s_graded: "оценён", s_offer_accepted: "предложение принято",
        s_offer_declined: "клиент отказался", s_certificate_issued: "сертификат выписан", s_printed: "напечатан",
        s_refused: "отказ", s_cancelled: "отключён",
        findMy: "Включено «Локатор»: клиент выключает его (Настройки › имя › Локатор).",
        passcode: "Установлен код-пароль: клиент снимает его.", accountGoogle: "Удалите аккаунт Google (Настройки › Аккаунты).",
        accountSamsung: "Удалите Samsung account.", accountOther: "Удалите аккаунты:", frp: "Включена защита FRP: удалите аккаунт Google.",
        mdm: "Телефон под управлением организации (MDM): владелец должен его освободить.", tapTrust: "Нажмите «Доверять» на телефоне.",
        tapAllow: "Нажмите «Разрешить» на телефоне.", debugging: "Включите отладку по USB.", activation: "Состояние активации:" },
  kk: { carrierLock: "Телефон операторға бекітілген: тек оператор құлыптан босата алады.", reactivation: "Reactivation Lock қосулы: Samsung account жойыңыз.", simPIN: "SIM-карта PIN сұрайды: SIM-картаны шығарыңыз.", title: "Құрылғыларды қабылдау", login: "Кеңесшінің кіруі", consultant: "Кеңесші", pin: "PIN", enter: "Кіру",
        logout: "Шығу", empty: "Телефонды стендке қосыңыз.", offer: "Ұсыныс", accept: "Клиент келісті: сертификат беру",
        decline: "Клиент бас тартты", holder: "Иесі", name: "Аты-жөні", iin: "ЖСН", birth: "Туған күні",
        document: "Куәлік нөмірі", send: "Жауаптарды сақтау", pass: "иә", fail: "жоқ", cosmetic: "Сыртқы түрі",
        box: "Қорап", charger: "Зарядтағыш", certificate: "Сертификат", other: "Басқа кеңесшінің сессиясы",
        gone: "Құрылғы ажыратылды", badIIN: "ЖСН қате: куәліктегі 12 цифрды тексеріңіз.", storage: "Жад, ГБ",
        imei: "IMEI", battery: "Аккумулятор", locks: "Құлыптар", wrong: "Кеңесші немесе PIN қате.",
        erase: "Құрылғыны өшіру (клиент осында және келісті)", erasure: "Өшіру",
        eraseConfirm: "Құрылғыдағы барлық дерек біржола жойылады. Клиент осында және келісе ме?",
        erasing: "жүріп жатыр…", erased: "өшірілді", erased_unverified: "өшірілді, тексерілмеді", not_erased: "өшірілмеді", refused: "басталмады",
        bench: "Стенд", certificates: "Сертификаттар", lookup: "Сертификатты табу", lookupHint: "Сертификат нөмірі немесе IMEI",
        find: "Табу", today: "Күндік қабылдау", number: "Нөмір", model: "Модель", grade: "Баға", amount: "Сома",
        status: "Күйі", export: "Бухгалтерияға жүктеу (CSV)", from: "Бастап", to: "Дейін", download: "CSV жүктеу",
        notFound: "Сертификат табылмады.", expires: "Жарамдылық мерзімі", issuedOn: "Берілген күні", store: "Дүкен",
        redeemed: "өтелді", voided: "жойылды", issued: "берілді", printed: "басылды", total: "Барлығы",
        count: "сертификат", automatic: "құрылғы тексерді", readAgain: "Телефонды қайта оқу",
        reprint: "Қайта басып шығару", reprintReason: "Қайта басып шығару себебі:", calculator: "«Келісімшарттық телефон» есебі",
        price: "Телефон бағасы", minPrepayment: "Ең аз алдын ала төлем", maxPrepayment: "Ең көп алдын ала төлем", months: "Ай",
        compute: "Есептеу", prepayment: "Алдын ала төлем", fromCertificate: "сертификаттан", customerPays: "клиент төлейді",
        monthly: "Ай сайынғы төлем", firstPayment: "Бірінші төлем", toBalance: "Нөмір балансына", financed: "Бөліп төлеу",
        badIMEI: "IMEI — 15 цифр, соңғысы қалғанын тексереді: *#06# немесе SIM науасын қараңыз.",
        age: "Туған күні бойынша жасы 21–68 аралығынан тыс: сертификат берілмейді.",
        mismatch: "ЖСН-нің алғашқы алты цифры туған күнге сәйкес емес: куәлікті тексеріңіз (2013 жылдан бері бұл мүмкін).",
        blockerConfirm: "Мұнда «жоқ» жауабы телефонды қабылдамауды білдіреді. Жалғастыру керек пе?", kind: "Түрі", port: "Порт",
        colour: "Түсі", ios: "iPhone / iPad", android: "Android", usb: "USB",
        s_detected: "табылды", s_identified: "анықталды", s_awaiting_trust: "«Сену» күтілуде", s_awaiting_authorization: "«Рұқсат ету» күтілуде",
        s_reading: "оқылуда…", s_checklist: "тексеру", s_graded: "бағаланды", s_offer_accepted: "ұсыныс қабылданды",
        s_offer_declined: "клиент бас тартты", s_certificate_issued: "сертификат берілді", s_printed: "басылды",
        s_refused: "бас тарту", s_cancelled: "ажыратылды",
        findMy: "«Локатор» қосулы: клиент оны өшіреді (Параметрлер › аты › Локатор).",
        passcode: "Құпия код орнатылған: клиент оны алып тастайды.", accountGoogle: "Google аккаунтын жойыңыз (Параметрлер › Аккаунттар).",
        accountSamsung: "Samsung account жойыңыз.", accountOther: "Аккаунттарды жойыңыз:", frp: "FRP қорғанысы қосулы: Google аккаунтын жойыңыз.",
        mdm: "Телефон ұйымның басқаруында (MDM): иесі оны босатуы керек.", tapTrust: "Телефонда «Сену» түймесін басыңыз.",
        tapAllow: "Телефонда «Рұқсат ету» түймесін басыңыз.", debugging: "USB арқылы жөндеуді қосыңыз.", activation: "Белсендіру күйі:" },
  en: { carrierLock: "The phone is locked to a carrier: only the carrier can unlock it.", reactivation: "Reactivation Lock is on: remove the Samsung account.", simPIN: "The SIM asks for its PIN: take the SIM out.", title: "Device intake", login: "Consultant login", consultant: "Consultant", pin: "PIN", enter: "Log in",
        logout: "Log out", empty: "Plug a phone into the bench.", offer: "Offer", accept: "Customer accepts: issue the certificate",
        decline: "Customer declines", holder: "Holder", name: "Full name", iin: "IIN", birth: "Birth date",
        document: "Document number", send: "Save answers", pass: "yes", fail: "no", cosmetic: "Cosmetic grade",
        box: "Box", charger: "Charger", certificate: "Certificate", other: "Another consultant's session",
        gone: "The device was unplugged", badIIN: "The IIN is wrong: check the 12 digits on the identity document.",
        storage: "Storage, GB", imei: "IMEI", battery: "Battery", locks: "Locks", wrong: "Wrong consultant or PIN.",
        erase: "Erase the device (the customer is here and agrees)", erasure: "Erasure",
        eraseConfirm: "Everything on the device is deleted for good. Is the customer here, and do they agree?",
        erasing: "in progress…", erased: "erased", erased_unverified: "erased, not verified", not_erased: "not erased", refused: "not started",
        bench: "Bench", certificates: "Certificates", lookup: "Find a certificate", lookupHint: "Certificate number or IMEI",
        find: "Find", today: "Intakes of the day", number: "Number", model: "Model", grade: "Grade", amount: "Amount",
        status: "Status", export: "Export for accounting (CSV)", from: "From", to: "To", download: "Download CSV",
        notFound: "No such certificate.", expires: "Valid until", issuedOn: "Issued", store: "Store",
        redeemed: "redeemed", voided: "voided", issued: "issued", printed: "printed", total: "Total",
        count: "certificates", automatic: "checked by the device", readAgain: "Read the phone again",
        reprint: "Print again", reprintReason: "Why is the slip printed again?", calculator: "Contract Phone calculator",
        price: "Phone price", minPrepayment: "Min. prepayment", maxPrepayment: "Max. prepayment", months: "Months",
        compute: "Compute", prepayment: "Prepayment", fromCertificate: "from the certificate", customerPays: "the customer pays",
        monthly: "Monthly payment", firstPayment: "First payment", toBalance: "To the number's balance", financed: "Financed",
        badIMEI: "An IMEI is 15 digits whose last one checks the rest: read it with *#06# or from the SIM tray.",
        age: "The birth date puts the holder outside 21–68: no certificate can be issued.",
        mismatch: "The IIN's first six digits differ from the birth date: check the document (allowed since 2013).",
        blockerConfirm: "A \"no\" here refuses the phone. Go on?", kind: "Kind", port: "Port",
        colour: "Colour", ios: "iPhone / iPad", android: "Android", usb: "USB",
        s_detected: "detected", s_identified: "identified", s_awaiting_trust: "waiting for Trust", s_awaiting_authorization: "waiting for Allow",
        s_reading: "reading…", s_checklist: "checklist", s_graded: "graded", s_offer_accepted: "offer accepted",
        s_offer_declined: "customer declined", s_certificate_issued: "certificate issued", s_printed: "printed",
        s_refused: "refused", s_cancelled: "unplugged",
        findMy: "Find My is on: the customer turns it off (Settings › their name › Find My).",
        passcode: "A passcode is set: the customer removes it.", accountGoogle: "Remove the Google account (Settings › Accounts).",
        accountSamsung: "Remove the Samsung account.", accountOther: "Remove the accounts:", frp: "FRP is armed: remove the Google account.",
        mdm: "The phone is managed by an organisation (MDM): its owner must release it.", tapTrust: "Tap Trust on the phone.",
        tapAllow: "Tap Allow on the phone.", debugging: "Turn on USB debugging.", activation: "Activation state:" },
};

/// One line per cosmetic grade, as the consultant reads it before choosing.
const GRADES = {
  ru: { A: "как новый, следов нет", B: "лёгкие следы использования", C: "заметный износ, царапины", D: "сильные повреждения или трещина стекла" },
  kk: { A: "жаңадай, із жоқ", B: "қолданудың жеңіл іздері", C: "байқалатын тозу, сызаттар", D: "қатты зақым немесе шыны жарылған" },
  en: { A: "like new, no marks", B: "light wear", C: "moderate wear, scratches", D: "heavy damage or cracked glass" },
};

const state = { token: sessionStorage.getItem("token"), csrf: sessionStorage.getItem("csrf"),
                me: JSON.parse(sessionStorage.getItem("me") || "null"), lang: localStorage.getItem("lang") || "ru",
                checks: {}, sessions: new Map(), drafts: new Map(), splits: new Map(), view: "bench" };

function t(key) { return (TEXT[state.lang] || TEXT.ru)[key] || TEXT.en[key] || key; }
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "value") node.value = v ?? "";
    else if (k === "checked") node.checked = !!v;
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat(Infinity)) if (child !== null && child !== undefined) node.append(child);
  return node;
}
/// `1 234 567 ₸`, groups separated by no-break spaces (amounts are whole tenge, integers).
function tenge(amount) { return String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0") + "\u00a0₸"; }
function localDay(date = new Date()) {
  return date.getFullYear() + "-" + String(date.getMonth() + 1).padStart(2, "0") + "-" + String(date.getDate()).padStart(2, "0");
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
/// 15 digits whose last is the Luhn check of the rest.
function imeiValid(imei) {
  if (!/^\d{15}$/.test(imei)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) { let v = Number(imei[14 - i]); if (i % 2 === 1) { v *= 2; if (v > 9) v -= 9; } sum += v; }
  return sum % 10 === 0;
}
/// Whole years from `birth` (YYYY-MM-DD) to today.
function ageOn(birth, today = new Date()) {
  const [y, m, d] = birth.split("-").map(Number);
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age -= 1;
  return age;
}
/// Whether the IIN's YYMMDD names the birth date (a mismatch is a warning: since 2013 it need not).
function iinMatchesBirth(iin, birth) { return birth.length === 10 && iin.slice(0, 6) === birth.slice(2, 4) + birth.slice(5, 7) + birth.slice(8, 10); }

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
  sessionStorage.clear(); state.token = null; state.me = null; state.drafts.clear();
  if (state.events) state.events.close();
  document.getElementById("login").hidden = false; document.getElementById("bench").hidden = true;
  document.getElementById("certificates").hidden = true; document.getElementById("tabs").hidden = true;
  document.getElementById("logout").hidden = true; document.getElementById("who").textContent = "";
}

async function start() {
  document.getElementById("login").hidden = true; document.getElementById("tabs").hidden = false;
  document.getElementById("logout").hidden = false;
  document.getElementById("who").textContent = state.me ? state.me.name : "";
  show(state.view);
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

function show(view) {
  state.view = view;
  document.getElementById("bench").hidden = view !== "bench";
  document.getElementById("certificates").hidden = view !== "certificates";
  document.getElementById("tab-bench").classList.toggle("active", view === "bench");
  document.getElementById("tab-certificates").classList.toggle("active", view === "certificates");
  if (view === "certificates") loadIntakes();
}

/// Replaces a session's card; the field being typed in keeps its focus and caret.
function update(session) {
  // A view older than the one shown (an answer's reply overtaken by the stream) changes nothing, and a late
  // event of a device's older session never brings its card back.
  const previous = state.sessions.get(session.id);
  if (previous && previous.revision > session.revision) return;
  for (const [id, other] of state.sessions) {
    if (id !== session.id && other.device_key === session.device_key && other.revision > session.revision) return;
  }
  state.sessions.set(session.id, session);
  const old = document.getElementById("card-" + session.id);
  const active = old && old.contains(document.activeElement) ? document.activeElement : null;
  const focus = active && active.name ? { name: active.name, start: active.selectionStart, end: active.selectionEnd } : null;
  const fresh = card(session);
  if (old) old.replaceWith(fresh); else document.getElementById("cards").prepend(fresh);
  // One card per device: a phone read anew (plugged in again, or read again after a refusal) replaces its old card.
  for (const [id, other] of state.sessions) {
    if (id !== session.id && other.device_key === session.device_key && other.revision <= session.revision) {
      state.sessions.delete(id);
      const stale = document.getElementById("card-" + id);
      if (stale) stale.remove();
    }
  }
  if (focus) {
    const again = fresh.querySelector(`[name="${CSS.escape(focus.name)}"]`);
    if (again) { again.focus(); try { again.setSelectionRange(focus.start, focus.end); } catch (_) { /* not a text field */ } }
  }
  document.getElementById("empty").hidden = state.sessions.size > 0;
  if (session.certificate && (!previous || !previous.certificate) && state.view === "certificates") loadIntakes();
}

function label(id) {
  const check = state.checks[id];
  if (!check) return id;
  return check.label[state.lang] || check.label.ru || check.label.en;
}

/// What the consultant or the customer must do about each lock the device reported, in words to read aloud.
function lockAdvice(device) {
  const locks = device.locks || {};
  const notes = [];
  if (device.pairing === "awaiting_trust") notes.push(t("tapTrust"));
  if (device.pairing === "unauthorized") notes.push(t("tapAllow"));
  if (device.pairing === "no_debugging") notes.push(t("debugging"));
  if (locks.find_my) notes.push(t("findMy"));
  if (locks.passcode_set) notes.push(t("passcode"));
  if (locks.activation_state && !["Activated", "FactoryActivated"].includes(locks.activation_state)) notes.push(t("activation") + " " + locks.activation_state);
  const accounts = locks.accounts || [];
  if (accounts.includes("com.google")) notes.push(t("accountGoogle"));
  if (accounts.includes("com.osp.app.signin")) notes.push(t("accountSamsung"));
  const others = accounts.filter((a) => !["com.google", "com.osp.app.signin"].includes(a));
  if (others.length) notes.push(t("accountOther") + " " + others.join(", "));
  if (locks.frp_armed && !accounts.includes("com.google")) notes.push(t("frp"));
  if (locks.mdm) notes.push(t("mdm"));
  if (locks.network_lock && locks.network_lock !== "unlocked") notes.push(t("carrierLock"));
  if (locks.reactivation_lock) notes.push(t("reactivation"));
  if ((locks.sim_state || []).some((slot) => slot === "pin_required" || slot === "puk_required")) notes.push(t("simPIN"));
  return notes;
}

function card(session) {
  const device = session.device || {};
  const model = device.model || {};
  const details = device.details || {};
  const mine = !session.consultant || !state.me || session.consultant === state.me.id;
  const classes = ["card"];
  if (session.state === "cancelled") classes.push("gone");
  if (session.state === "refused") classes.push("refused");
  if (["certificate_issued", "printed"].includes(session.state)) classes.push("done");
  if (!mine) classes.push("other");
  const battery = device.battery || {};
  // A colour only in words: iOS gives enclosure colours as codes, which would mean nothing on the card.
  const colour = [details.colour, details.color, details.device_color, details.enclosure_color].find((v) => v && !/^[\d#]/.test(v));
  const port = details.usb_port || details.port || details.location;
  const facts = [
    [t("kind"), device.platform ? t(device.platform) : "—"],
    port ? [t("port"), port] : null,
    [t("imei"), (device.imei || []).join(", ") || "—"],
    [t("storage"), device.storage_gb ?? "—"],
    colour ? [t("colour"), colour] : null,
    [t("battery"), battery.health_percent != null ? battery.health_percent + " %" + (battery.cycle_count != null ? " · " + battery.cycle_count : "") : "—"],
  ].filter(Boolean);
  const advice = lockAdvice(device);
  const node = el("article", { class: classes.join(" "), id: "card-" + session.id, "data-state": session.state, "data-device": session.device_key },
    el("h3", {}, [model.brand, model.name || model.identifier || "?"].filter(Boolean).join(" ")),
    el("div", { class: "state" }, t("s_" + session.state)),
    mine ? null : el("div", { class: "todo" }, t("other")),
    session.state === "cancelled" ? el("div", { class: "todo" }, t("gone")) : null,
    el("dl", {}, facts.map(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))])),
    session.message && ["detected", "identified", "reading", "awaiting_trust", "awaiting_authorization"].includes(session.state)
      ? el("p", { class: "message" }, session.message) : null,
    advice.length ? el("ul", { class: "todo locks" }, advice.map((line) => el("li", {}, line))) : null,
    device.advice ? el("p", { class: "todo" }, device.advice) : null,
    session.refusal ? el("ul", { class: "todo refusal" }, session.refusal.reasons.map((reason) => el("li", {}, reason))) : null,
    mine && session.state === "refused" ? readAgainButton(session) : null,
    session.offer ? offerBlock(session.offer) : null,
    session.certificate ? certificateBlock(session, mine) : null,
    session.erasure ? el("div", { class: session.erasure.state === "erased" ? "offer erasure" : "todo erasure", "data-erasure": session.erasure.state },
      t("erasure") + ": " + t(session.erasure.state) + (session.erasure.number ? " (" + session.erasure.number + ")" : "")
        + (session.erasure.reason ? ". " + session.erasure.reason : "")) : null,
    mine && session.missing.length ? form(session) : null,
    mine && erasable(session) ? eraseButton(session) : null);
  return node;
}

function offerBlock(offer) {
  return el("div", { class: "offer-block" },
    el("div", { class: "offer" }, t("offer") + ": " + tenge(offer.amount_kzt) + " (" + offer.grade + ")"),
    offer.breakdown && offer.breakdown.length ? el("table", { class: "breakdown" }, offer.breakdown.map((line, index) =>
      el("tr", {}, el("td", {}, line.label), el("td", { class: "amount" }, (line.amount_kzt > 0 && index > 0 ? "+" : "") + tenge(line.amount_kzt))))) : null);
}

function readAgainButton(session) {
  const error = el("p", { class: "error", role: "alert" });
  const button = el("button", { type: "button", class: "read-again", onclick: async () => {
    button.disabled = true;
    const { status, body } = await api("/sessions/" + session.id + "/read-again", { method: "POST" });
    if (status !== 202) { button.disabled = false; error.textContent = body.error || String(status); return; }
    update(body);
  } }, t("readAgain"));
  return el("div", {}, button, error);
}

/// The issued certificate: number, amount, expiry, status; a reprint with its reason; the Contract Phone calculator.
function certificateBlock(session, mine) {
  const c = session.certificate;
  const error = el("p", { class: "error", role: "alert" });
  const reprint = el("button", { type: "button", class: "secondary reprint", onclick: async () => {
    const reason = window.prompt(t("reprintReason"));
    if (!reason) return;
    const { status, body } = await api("/certificates/" + encodeURIComponent(c.number) + "/reprint", { method: "POST", body: JSON.stringify({ reason }) });
    error.textContent = status === 200 ? "" : (body.error || String(status));
  } }, t("reprint"));
  const split = state.splits.get(c.number);
  const inputs = ["price", "min_prepayment", "max_prepayment", "months"].map((name) =>
    el("label", {}, t({ price: "price", min_prepayment: "minPrepayment", max_prepayment: "maxPrepayment", months: "months" }[name]),
      el("input", { name: "calc_" + name, inputmode: "numeric", value: split ? String(split.contract[name]) : "" })));
  const calculator = el("form", { class: "calculator" }, el("h4", {}, t("calculator")), inputs,
    el("button", { type: "submit", class: "secondary" }, t("compute")),
    split ? splitTable(split) : null);
  calculator.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(calculator);
    const contract = {};
    for (const name of ["price", "min_prepayment", "max_prepayment", "months"]) contract[name] = Number(String(data.get("calc_" + name)).replace(/\s/g, ""));
    const { status, body } = await api("/redemption/split", { method: "POST", body: JSON.stringify({ certificate: c.number, contract }) });
    if (status !== 200) { error.textContent = body.error || String(status); return; }
    error.textContent = "";
    state.splits.set(c.number, body);
    update(state.sessions.get(session.id));
  });
  return el("div", { class: "certificate" },
    el("div", { class: "offer" }, t("certificate") + " " + c.number),
    el("dl", {}, el("dt", {}, t("amount")), el("dd", {}, tenge(c.amount_kzt)), el("dt", {}, t("expires")), el("dd", {}, c.expires_on),
      el("dt", {}, t("status")), el("dd", { class: "status" }, t(c.status === "issued" && session.state === "printed" ? "printed" : c.status))),
    mine ? [reprint, calculator] : null, error);
}

function splitTable(split) {
  const rows = [
    [t("prepayment"), tenge(split.prepayment) + " (" + t("fromCertificate") + " " + tenge(split.certificate_to_prepayment) + ", " + t("customerPays") + " " + tenge(split.customer_prepayment) + ")"],
    [t("financed"), tenge(split.financed)],
    [t("monthly"), tenge(split.monthly_payment)],
    [t("firstPayment"), t("fromCertificate") + " " + tenge(split.certificate_to_first_payment) + ", " + t("customerPays") + " " + tenge(split.customer_first_payment)],
    [t("toBalance"), tenge(split.certificate_to_balance)],
  ];
  return el("table", { class: "split" }, rows.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, v))));
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

/// Sends answers now: a tapped check, the grade, the kit. The offer comes back (and over the stream) at once.
async function send(session, answers, error) {
  const { status, body } = await api("/sessions/" + session.id + "/answers", { method: "POST", body: JSON.stringify(answers) });
  if (status !== 200) { if (error) error.textContent = body.error || String(status); return false; }
  update(body);
  return true;
}

/// A yes/no pair of large buttons; `value` is the current answer.
function yesNo(name, value, onAnswer, locked = false) {
  return el("span", { class: "yesno" + (locked ? " locked" : "") },
    ["pass", "fail"].map((answer) => el("button", {
      type: "button", class: "answer" + (value === answer ? " chosen" : ""), name: name + ":" + answer, "data-answer": answer,
      "aria-pressed": value === answer ? "true" : "false", disabled: locked,
      onclick: () => onAnswer(answer) }, t(answer))));
}

function form(session) {
  const draft = state.drafts.get(session.id) || {};
  const remember = (changes) => { Object.assign(draft, changes); state.drafts.set(session.id, draft); };
  const error = el("p", { class: "error", role: "alert" });
  const form = el("form", { class: "answers", "data-session": session.id, autocomplete: "off" });
  const outcomes = session.checks || [];
  const byDevice = outcomes.filter((c) => c.answered_by && c.answered_by !== "consultant");
  const consultant = outcomes.filter((c) => !c.answered_by || c.answered_by === "consultant");
  const open = ["checklist", "graded"].includes(session.state);
  if (open && byDevice.length) {
    form.append(el("fieldset", { class: "automatic" }, el("legend", {}, t("automatic")), byDevice.map((c) =>
      el("div", { class: "check", "data-check": c.id, title: c.detail || "" }, el("span", {}, label(c.id)), yesNo("auto:" + c.id, c.status, () => {}, true)))));
  }
  if (open && consultant.length) {
    form.append(el("fieldset", { class: "consultant" }, consultant.map((c) =>
      el("div", { class: "check", "data-check": c.id }, el("span", {}, label(c.id)),
        yesNo("check:" + c.id, c.status === "pending" ? null : c.status, async (answer) => {
          const check = state.checks[c.id];
          if (answer === "fail" && check && check.effect === "blocker" && !window.confirm(t("blockerConfirm"))) return;
          await send(session, { checklist: { answers: { [c.id]: answer } } }, error);
        })))));
  }
  if (open && (consultant.length || session.missing.includes("checklist.cosmetic") || (session.answered || {}).cosmetic)) {
    const current = (session.answered || {}).cosmetic || null;
    form.append(el("fieldset", { class: "cosmetic" }, el("legend", {}, t("cosmetic")),
      ["A", "B", "C", "D"].map((grade) => el("button", {
        type: "button", class: "grade" + (current === grade ? " chosen" : ""), name: "cosmetic:" + grade, "aria-pressed": current === grade ? "true" : "false",
        onclick: () => send(session, { checklist: { answers: {}, cosmetic: grade } }, error) },
        el("b", {}, grade), " ", (GRADES[state.lang] || GRADES.ru)[grade]))));
  }
  if (open) {
    const answered = session.answered || {};
    for (const kit of ["box", "charger"]) {
      if (!session.missing.includes(kit) && answered[kit] == null) continue;
      form.append(el("div", { class: "check kit" }, el("span", {}, t(kit)),
        yesNo(kit, answered[kit] == null ? null : (answered[kit] ? "pass" : "fail"), (answer) => send(session, { [kit]: answer === "pass" }, error))));
    }
  }
  if (session.missing.includes("device.storage_gb")) {
    form.append(el("label", {}, t("storage"), el("input", { name: "storage_gb", inputmode: "numeric", value: draft.storage_gb || "",
      oninput: (e) => remember({ storage_gb: e.target.value }) })));
  }
  if (session.missing.includes("device.imei")) {
    const imei = el("input", { name: "imei", inputmode: "numeric", maxlength: 15, value: draft.imei || "" });
    imei.addEventListener("input", () => {
      remember({ imei: imei.value });
      error.textContent = imei.value.length === 15 && !imeiValid(imei.value) ? t("badIMEI") : "";
    });
    form.append(el("label", {}, t("imei"), imei));
  }
  const warnings = el("p", { class: "warning", role: "status" });
  if (session.missing.some((id) => id.startsWith("holder."))) {
    const field = (name, attrs = {}) => el("input", { name, value: draft[name] || "", ...attrs });
    const name = field("name");
    const iin = field("iin", { inputmode: "numeric", maxlength: 12 });
    const birth = field("birth_date", { type: "date" });
    const documentNumber = field("document_number");
    const recheck = () => {
      remember({ name: name.value, iin: iin.value, birth_date: birth.value, document_number: documentNumber.value });
      error.textContent = iin.value.length === 12 && !iinValid(iin.value) ? t("badIIN") : "";
      const notes = [];
      if (birth.value) { const age = ageOn(birth.value); if (age < 21 || age > 68) notes.push(t("age")); }
      if (birth.value && iin.value.length === 12 && iinValid(iin.value) && !iinMatchesBirth(iin.value, birth.value)) notes.push(t("mismatch"));
      warnings.textContent = notes.join(" ");
    };
    for (const input of [name, iin, birth, documentNumber]) input.addEventListener("input", recheck);
    form.append(el("fieldset", { class: "holder" }, el("legend", {}, t("holder")),
      el("label", {}, t("name"), name), el("label", {}, t("iin"), iin), el("label", {}, t("birth"), birth),
      el("label", {}, t("document"), documentNumber), warnings));
    setTimeout(recheck, 0);
  }
  form.append(error);
  const submit = (accept) => async (event) => {
    event.preventDefault();
    const answers = {};
    if (draft.storage_gb) answers.device = { ...(answers.device || {}), storage_gb: Number(draft.storage_gb) };
    if (draft.imei) {
      if (!imeiValid(draft.imei)) { error.textContent = t("badIMEI"); return; }
      answers.device = { ...(answers.device || {}), imei: [draft.imei] };
    }
    if (draft.name || draft.iin) {
      if (!iinValid(draft.iin || "")) { error.textContent = t("badIIN"); return; }
      if (draft.birth_date) { const age = ageOn(draft.birth_date); if (age < 21 || age > 68) { error.textContent = t("age"); return; } }
      answers.holder = { name: draft.name, iin: draft.iin, birth_date: draft.birth_date, document_number: draft.document_number };
    }
    if (accept !== null) answers.accept_offer = accept;
    if (await send(session, answers, error)) state.drafts.delete(session.id);
  };
  form.append(el("button", { type: "submit", class: "secondary save", onclick: submit(null) }, t("send")));
  if (session.offer && session.state !== "refused") {
    form.append(" ", el("button", { type: "button", class: "accept", onclick: submit(true) }, t("accept")));
    form.append(" ", el("button", { type: "button", class: "secondary decline", onclick: submit(false) }, t("decline")));
  }
  return form;
}

// MARK: - Certificates

function certificateRow(c) {
  return el("tr", { "data-number": c.number }, el("td", {}, c.number), el("td", {}, c.model_name || ""), el("td", {}, c.grade || ""),
    el("td", { class: "amount" }, tenge(c.amount_kzt)), el("td", {}, t(c.status)), el("td", {}, c.consultant || ""));
}

async function lookup(event) {
  event.preventDefault();
  const query = document.getElementById("lookup-query").value.replace(/\s/g, "");
  const result = document.getElementById("lookup-result");
  const error = document.getElementById("lookup-error");
  result.replaceChildren(); error.textContent = "";
  const digits = query.replace(/\D/g, "");
  const path = /^\d{15}$/.test(digits) && digits.length === query.length ? "?imei=" + digits : "?number=" + encodeURIComponent(query);
  const { status, body } = await api("/certificates" + path);
  if (status !== 200) { error.textContent = body.error || String(status); return; }
  if (!body.certificates.length) { error.textContent = t("notFound"); return; }
  const c = body.certificates[0];
  const erasures = body.erasures || [];
  result.append(el("article", { class: "card found", "data-number": c.number, "data-status": c.status },
    el("h3", {}, c.number),
    el("dl", {},
      el("dt", {}, t("status")), el("dd", { class: "status" }, t(c.status)),
      el("dt", {}, t("amount")), el("dd", {}, tenge(c.amount_kzt)),
      el("dt", {}, t("model")), el("dd", {}, c.model_name || ""),
      el("dt", {}, t("holder")), el("dd", {}, (c.holder_name || "") + " · " + (c.holder_iin || "")),
      el("dt", {}, t("issuedOn")), el("dd", {}, (c.issued_on || "") + " · " + (c.store_id || "")),
      el("dt", {}, t("expires")), el("dd", {}, c.expires_on),
      erasures.length ? [el("dt", {}, t("erasure")), el("dd", {}, erasures.map((e) => e.number + " " + t(e.status)).join("; "))] : null)));
}

async function loadIntakes() {
  const input = document.getElementById("intakes-date");
  if (!input.value) input.value = localDay();
  const { status, body } = await api("/intakes?date=" + encodeURIComponent(input.value));
  const rows = document.querySelector("#intakes tbody");
  if (status !== 200) { document.getElementById("intakes-summary").textContent = body.error || String(status); rows.replaceChildren(); return; }
  document.getElementById("intakes-summary").textContent = body.count + " " + t("count") + " · " + t("total") + ": " + tenge(body.total_kzt);
  rows.replaceChildren(...body.certificates.map(certificateRow));
}

function exportLink() {
  const from = document.getElementById("export-from").value;
  const to = document.getElementById("export-to").value;
  const link = document.getElementById("export-link");
  link.href = "/api/v1/certificates/export?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
  link.setAttribute("download", "certificates-" + from + "-" + to + ".csv");
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login").addEventListener("submit", login);
  document.getElementById("logout").addEventListener("click", logout);
  document.getElementById("tab-bench").addEventListener("click", () => show("bench"));
  document.getElementById("tab-certificates").addEventListener("click", () => show("certificates"));
  document.getElementById("lookup").addEventListener("submit", lookup);
  document.getElementById("intakes-date").addEventListener("change", loadIntakes);
  const today = localDay();
  document.getElementById("export-from").value = today.slice(0, 8) + "01";
  document.getElementById("export-to").value = today;
  for (const id of ["export-from", "export-to"]) document.getElementById(id).addEventListener("change", exportLink);
  exportLink();
  document.getElementById("language").addEventListener("change", (event) => {
    state.lang = event.target.value; localStorage.setItem("lang", state.lang); translate();
    if (state.token) api("/consultant/language", { method: "POST", body: JSON.stringify({ language: state.lang }) });
    for (const session of state.sessions.values()) update(session);
  });
  translate();
  if (state.token) start();
});

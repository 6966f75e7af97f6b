// The try-on studio. Uses only the public HTTP APIs:
//   POST /api/outfit/plan             the layering plan, shown before starting
//   anonymous: POST /api/files, POST /api/tryon/process, GET /api/tryon/process/{id}
//   signed in: POST /process-tryon (Prefer: respond-async), GET /api/tryon/process/{id}
//              with the token, GET /api/history
"use strict";

(() => {
  const MESSAGES = window.STUDIO_MESSAGES;
  const MAX_GARMENTS = 4;
  const POLL_MS = 400;
  const $ = (id) => document.getElementById(id);

  const state = {
    lang: localStorage.getItem("fittingroom.lang") ||
      ((navigator.language || "en").toLowerCase().startsWith("vi") ? "vi" : "en"),
    token: localStorage.getItem("fittingroom.token") || "",
    running: false,
    step: null, // the i18n key of the label under the progress bar
    plan: null, // the last plan answer, re-rendered when the language changes
  };

  class StudioError extends Error {}

  function t(key, values = {}) {
    const text = (MESSAGES[state.lang] || MESSAGES.en)[key] ?? MESSAGES.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  }

  // --- language ---------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = state.lang;
    $("language").value = state.lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-alt]")) el.alt = t(el.dataset.i18nAlt);
    if (state.step) $("step-label").textContent = t(state.step);
    renderPlan(state.plan);
    applySignIn();
  }

  /** A server's error body as a sentence in the user's language. */
  function explain(body) {
    if (body && typeof body.error === "string" && typeof body.message === "string") {
      return body.message; // /process-tryon answers in the Accept-Language we sent
    }
    if (body && body.error === "Unauthorized") return t("err_token", { message: body.detail || "" });
    const message = String(
      body?.message ?? body?.detail?.error ?? (typeof body?.detail === "string" ? body.detail : "") ?? "",
    );
    const type = message.match(/^Unsupported image type: (.+)$/);
    if (type) return t("err_type", { type: type[1] });
    if (/too (large|many pixels)|larger than/i.test(message)) return t("err_size", { message });
    if (/too small|smaller than/i.test(message)) return t("err_small", { message });
    if (/could not be decoded|corrupt|empty/i.test(message)) return t("err_corrupt", { message });
    if (/No person found/i.test(message)) return t("err_no_person");
    if (/No garment found/i.test(message)) return t("err_no_garment");
    if (/does not show the/i.test(message)) return t("err_body", { message });
    if (/queue is full|busy/i.test(message)) return t("err_busy");
    return t("err_generic", { message: message || "HTTP error" });
  }

  async function api(path, options = {}) {
    const headers = { "Accept-Language": state.lang, ...(options.headers || {}) };
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch {
      throw new StudioError(t("err_network"));
    }
    const body = await response.json().catch(() => null);
    if (!response.ok && response.status !== 202) throw new StudioError(explain(body));
    return { status: response.status, body };
  }

  const authHeaders = () => (state.token ? { Authorization: `Bearer ${state.token}` } : {});

  // --- inputs -----------------------------------------------------------------------------

  function preview(input, img, text) {
    const file = input.files && input.files[0];
    if (img.src) URL.revokeObjectURL(img.src);
    img.hidden = !file;
    text.hidden = Boolean(file);
    if (file) img.src = URL.createObjectURL(file);
  }

  function acceptDrops(zone, input) {
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function garmentRows() {
    return [...document.querySelectorAll("#garments .garment")];
  }

  /** The garments that have a photo, in the order the user listed them. */
  function chosenGarments() {
    return garmentRows()
      .filter((row) => row.querySelector(".garment-file").files.length)
      .map((row) => ({
        file: row.querySelector(".garment-file").files[0],
        category: row.querySelector(".garment-category").value,
        sub_category: row.querySelector(".garment-sub").value.trim() || null,
        is_primary: row.querySelector(".garment-primary").checked,
      }));
  }

  function addGarment() {
    if (garmentRows().length >= MAX_GARMENTS) return;
    const row = $("garment-template").content.firstElementChild.cloneNode(true);
    const input = row.querySelector(".garment-file");
    const number = garmentRows().length + 1;
    input.setAttribute("aria-label", `${t("garments")} ${number}`);
    input.addEventListener("change", () =>
      preview(input, row.querySelector(".garment-preview"), row.querySelector(".drop-text")),
    );
    acceptDrops(row.querySelector(".drop"), input);
    row.querySelector(".garment-remove").addEventListener("click", () => {
      row.remove();
      changed();
      $("add-garment").focus();
    });
    $("garments").append(row);
    for (const el of row.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    changed();
  }

  function changed() {
    $("add-garment").disabled = garmentRows().length >= MAX_GARMENTS;
    $("start").disabled = state.running || !$("person").files.length || !chosenGarments().length;
    schedulePlan();
  }

  // --- the plan preview -------------------------------------------------------------------

  let planTimer = null;
  let planRequest = 0;

  function schedulePlan() {
    clearTimeout(planTimer);
    planTimer = setTimeout(loadPlan, 200);
  }

  async function loadPlan() {
    const garments = chosenGarments();
    const mine = ++planRequest;
    if (!garments.length) {
      state.plan = null;
      renderPlan(null);
      return;
    }
    const provider = $("provider").value;
    const payload = {
      items: garments.map(({ category, sub_category, is_primary }) => ({ category, sub_category, is_primary })),
      ...(provider && !state.token ? { providers: [provider] } : {}),
    };
    try {
      const { body } = await api("/api/outfit/plan", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      if (mine === planRequest) state.plan = body;
    } catch (error) {
      if (mine === planRequest) state.plan = { error: error.message };
    }
    if (mine === planRequest) renderPlan(state.plan);
  }

  function describeItem(item) {
    let text = t(`cat_${item.category}`);
    if (item.sub_category) text += `: ${item.sub_category.replace(/-/g, " ")}`;
    return `${text} (#${item.index + 1})`;
  }

  function renderPlan(plan) {
    const layers = $("plan-layers");
    const dropped = $("plan-dropped");
    layers.replaceChildren();
    dropped.replaceChildren();
    $("plan-providers").textContent = "";
    $("plan-empty").hidden = Boolean(plan);
    if (!plan) return;
    if (plan.error) {
      const li = document.createElement("li");
      li.className = "error-text";
      li.textContent = plan.error;
      dropped.append(li);
      return;
    }
    for (const layer of plan.layers) {
      const li = document.createElement("li");
      li.textContent = describeItem(layer) + (layer.style ? ` — ${t(`style_${layer.style}`)}` : "");
      if (layer.is_primary) li.classList.add("primary-item");
      layers.append(li);
    }
    for (const item of plan.dropped) {
      const li = document.createElement("li");
      li.textContent = t("dropped", { item: describeItem(item), reason: item.message });
      dropped.append(li);
    }
    const notes = [t("providers", { providers: plan.providers.join(" → ") }), ...plan.notices];
    $("plan-providers").textContent = notes.join(" · ");
  }

  // --- running a try-on -------------------------------------------------------------------

  function showStep(key, progress) {
    state.step = key;
    $("progress-box").hidden = false;
    $("step-label").textContent = t(key);
    $("progress").value = progress;
  }

  function showError(message) {
    $("progress-box").hidden = true;
    $("error").textContent = message;
    $("error").hidden = false;
    $("error").focus?.();
  }

  async function uploadFile(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    const { body } = await api("/api/files", { method: "POST", body: form });
    return body.fileId;
  }

  async function startAnonymous(person, garments) {
    const personId = await uploadFile(person);
    const garmentIds = [];
    for (const garment of garments) garmentIds.push(await uploadFile(garment.file));
    const provider = $("provider").value;
    const options = {
      quality: $("quality").value,
      garment_photo_type: $("photo-type").value,
      garments: garments.map((g, i) => ({
        fileId: garmentIds[i],
        category: g.category,
        sub_category: g.sub_category,
        is_primary: g.is_primary,
      })),
      ...(provider ? { provider } : {}),
    };
    const { body } = await api("/api/tryon/process", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ personFileId: personId, garmentFileId: garmentIds[0], options }),
    });
    return { jobId: body.jobId };
  }

  function readAsDataUrl(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(new StudioError(t("err_corrupt", { message: file.name })));
      reader.readAsDataURL(file);
    });
  }

  async function startWithToken(person, garments) {
    const payload = {
      model_image: await readAsDataUrl(person),
      clothing_images: await Promise.all(
        garments.map(async (g) => ({
          image: await readAsDataUrl(g.file),
          category: g.category,
          sub_category: g.sub_category,
          is_primary: g.is_primary,
        })),
      ),
      quality: $("quality").value,
    };
    const { status, body } = await api("/process-tryon", {
      method: "POST",
      headers: { "Content-Type": "application/json", Prefer: "respond-async", ...authHeaders() },
      body: JSON.stringify(payload),
    });
    if (status === 200) return { cached: body }; // answered from cache: no job to follow
    return { jobId: body.tryon_id };
  }

  async function follow(jobId) {
    for (;;) {
      const { body: row } = await api(`/api/tryon/process/${jobId}`, { headers: authHeaders() });
      if (row.status === "completed") return row;
      if (row.status === "failed") throw new StudioError(explain({ message: row.error }));
      if (row.status === "queued") showStep("queued", 2);
      else showStep(`step_${row.step || "segmentation"}`, row.progress);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  function showResult(person, url, score, provider) {
    $("progress-box").hidden = true;
    const before = $("before");
    if (before.src) URL.revokeObjectURL(before.src);
    before.src = URL.createObjectURL(person);
    $("after").src = url;
    $("download").href = url;
    $("score").textContent = typeof score === "number" ? score.toFixed(2) : "—";
    $("made-by").textContent = provider ? t("made_by", { provider }) : "";
    $("result").hidden = false;
    setSlider();
  }

  function setSlider() {
    const value = Number($("slider").value);
    $("after-clip").style.clipPath = `inset(0 ${100 - value}% 0 0)`;
  }

  async function start(event) {
    event.preventDefault();
    const person = $("person").files[0];
    const garments = chosenGarments();
    $("run").hidden = false;
    $("error").hidden = true;
    $("result").hidden = true;
    if (!person) return showError(t("need_person"));
    if (!garments.length) return showError(t("need_garment"));
    state.running = true;
    changed();
    showStep("uploading", 1);
    try {
      const started = state.token ? await startWithToken(person, garments) : await startAnonymous(person, garments);
      if (started.cached) {
        showResult(person, started.cached.result_image_url, null, null);
      } else {
        const row = await follow(started.jobId);
        showResult(person, row.resultUrl, row.qualityScore, row.provider);
      }
      if (state.token) loadHistory();
    } catch (error) {
      showError(error instanceof StudioError ? error.message : t("err_generic", { message: error.message }));
    } finally {
      state.running = false;
      state.step = null;
      changed();
    }
  }

  // --- signing in and history -------------------------------------------------------------

  function applySignIn() {
    const signedIn = Boolean(state.token);
    $("history").hidden = !signedIn;
    $("provider").disabled = signedIn;
    $("provider").title = signedIn ? t("provider_signed_in") : "";
    $("sign-out").hidden = !signedIn;
    $("signin").querySelector("summary").textContent = signedIn ? t("signed_in") : t("sign_in");
  }

  async function loadHistory() {
    if (!state.token) return;
    const gallery = $("gallery");
    try {
      const { body } = await api("/api/history?per_page=12", { headers: authHeaders() });
      gallery.replaceChildren();
      for (const item of body.items) {
        if (!item.result_image_url) continue;
        const li = document.createElement("li");
        const link = document.createElement("a");
        link.href = item.result_image_url;
        link.target = "_blank";
        link.rel = "noopener";
        const img = document.createElement("img");
        img.src = item.result_image_url;
        img.loading = "lazy";
        const kinds = item.items.map((i) => t(`cat_${i.category}`)).join(", ");
        img.alt = kinds;
        const caption = document.createElement("span");
        caption.textContent = `${new Date(item.created_at).toLocaleString(state.lang)} · ${kinds}`;
        link.append(img, caption);
        li.append(link);
        gallery.append(li);
      }
      $("history-empty").hidden = gallery.children.length > 0;
    } catch (error) {
      $("history-empty").hidden = false;
      $("history-empty").textContent = error.message;
    }
  }

  // --- wiring -----------------------------------------------------------------------------

  $("language").addEventListener("change", (event) => {
    state.lang = event.target.value;
    localStorage.setItem("fittingroom.lang", state.lang);
    applyLanguage();
    loadHistory();
  });
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    localStorage.setItem("fittingroom.token", state.token);
    $("token").value = "";
    $("signin").open = false;
    applySignIn();
    schedulePlan();
    loadHistory();
  });
  $("sign-out").addEventListener("click", () => {
    state.token = "";
    localStorage.removeItem("fittingroom.token");
    $("gallery").replaceChildren();
    applySignIn();
    schedulePlan();
  });
  $("person").addEventListener("change", () => {
    preview($("person"), $("person-preview"), $("person-drop").querySelector(".drop-text"));
    changed();
  });
  acceptDrops($("person-drop"), $("person"));
  $("add-garment").addEventListener("click", addGarment);
  $("garments").addEventListener("change", changed);
  $("garments").addEventListener("input", schedulePlan);
  $("provider").addEventListener("change", schedulePlan);
  $("studio").addEventListener("submit", start);
  $("slider").addEventListener("input", setSlider);

  addGarment();
  applyLanguage();
  loadHistory();
})();

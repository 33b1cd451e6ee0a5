// The 1:1 call of a live session (WebRTC), signalled over the session's WebSocket (session.js).
//
// Simple offer/answer without glare: the technician always offers (when both are present, after a reload
// of either side, on an ICE restart), the citizen always answers and, when its own network changes, asks
// the technician for a restart.
// Ready before the other side arrives: the technician's page opens at the call, while the citizen has not
// answered yet, and prepares its offer at once (peer connection, ICE candidates gathered into the SDP); it
// is sent the moment the citizen's page joins. The citizen's page creates its peer connection as soon as
// it loads, so answering does not wait for the browser to set WebRTC up. ICE restarts after `disconnected` (3 s) or `failed`, and on the browser's
// `online` event. A call that has not connected after CONNECT_TIMEOUT_MS falls back to the chat, with a
// button to try again. Camera and microphone toggles; "Solo audio" and "Solo chat" on request.
// State for tests and support: <body data-call-state="waiting|connecting|connected|reconnecting|failed|
// chat|ended|unsupported" data-call-connected-at="<Date.now()>" data-media-error="NotAllowedError|...">.

const CONNECT_TIMEOUT_MS = 20000;

// When each step first happened (Date.now()), for support and the connect-time benchmark.
export const timings = {};
export function mark(name) {
  if (!(name in timings)) timings[name] = Date.now();
}
const DISCONNECTED_GRACE_MS = 3000;
const MAX_RESTARTS = 3;

export class Call {
  constructor({ section, role, mode, iceServers, texts, send }) {
    this.section = section;
    this.role = role;
    this.sessionMode = mode; // "video" | "audio"
    this.mode = mode; // what this side wants now: "video" | "audio" | "chat"
    this.iceServers = iceServers;
    this.texts = texts;
    this.send = send;
    this.status = section.querySelector("#call-status") || document.getElementById("session-status");
    this.problem = section.querySelector("#call-problem"); // camera or microphone trouble: stays until solved
    this.localVideo = section.querySelector("#local-video");
    this.remoteVideo = section.querySelector("#remote-video");
    this.controls = section.querySelector("[data-call-controls]");
    this.buttons = {};
    for (const button of section.querySelectorAll("[data-call-action]")) {
      this.buttons[button.dataset.callAction] = button;
      button.addEventListener("click", () => this.action(button.dataset.callAction));
    }
    this.pc = null;
    this.localStream = null;
    this.wants = { audio: true, video: true };
    this.media = null; // a promise: local media asked for (granted or not)
    this.peerPresent = false;
    this.peerInstance = null;
    this.pendingCandidates = [];
    this.prepared = null; // technician: a promise of the offer made before the citizen arrived (true if ready)
    this.holdCandidates = false; // while that offer is unsent its candidates go into its SDP, not one by one
    this.unused = false; // citizen: the peer connection made at load, not used for an offer yet
    this.timeout = null;
    this.connectTimeoutMs = window.oficinaCallTimeoutMs || CONNECT_TIMEOUT_MS; // tests shorten it
    this.graceTimer = null;
    this.restarts = 0;
    this.setState("idle");
    window.addEventListener("online", () => this.restartIce());
  }

  // --- State and messages ------------------------------------------------------------------------

  setState(state) {
    this.state = state;
    document.body.dataset.callState = state;
    this.section.classList.toggle("is-audio", this.mode === "audio");
    this.section.classList.toggle("is-chat", this.mode === "chat" || state === "failed");
    if (this.buttons.retry) this.buttons.retry.hidden = !(state === "failed" || state === "chat");
    for (const name of ["camera", "microphone", "audio", "chat"]) {
      if (this.buttons[name]) this.buttons[name].hidden = state === "failed" || state === "chat";
    }
    if (this.buttons.audio && this.mode !== "video") this.buttons.audio.hidden = true;
    if (this.buttons.camera && this.mode !== "video") this.buttons.camera.hidden = true;
  }

  say(text, isError = false) {
    this.status.textContent = text;
    this.status.classList.toggle("is-error", isError);
  }

  // --- Local media -------------------------------------------------------------------------------

  start() {
    if (!window.RTCPeerConnection || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.mode = "chat";
      this.setState("unsupported");
      this.say(this.texts.no_webrtc, true);
      return;
    }
    this.controls.hidden = false;
    this.setState("waiting");
    this.media = this.getMedia();
    this.prepare();
  }

  // Set the call up before the other side is here (see the top of this file).
  prepare() {
    if (this.mode === "chat") return;
    if (this.role === "citizen") {
      this.createPc();
      this.unused = true;
      return;
    }
    const pc = this.newOfferPc();
    this.holdCandidates = true;
    this.prepared = (async () => {
      try {
        await pc.setLocalDescription(await pc.createOffer());
        mark("prepared");
        return pc === this.pc;
      } catch {
        return false;
      }
    })();
  }

  async getMedia() {
    const video = this.mode === "video" ? { width: { ideal: 640 }, height: { ideal: 480 } } : false;
    let stream = null;
    delete document.body.dataset.mediaError;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
    } catch (error) {
      if (video && (error.name === "NotFoundError" || error.name === "OverconstrainedError")) {
        try {
          stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
        } catch {
          stream = null;
        }
      }
      if (!stream) this.mediaFailed(error);
    }
    this.localStream = stream;
    this.localVideo.srcObject = stream;
    if (stream) {
      for (const track of stream.getTracks()) track.enabled = this.wants[track.kind];
      this.problem.hidden = true;
      delete document.body.dataset.mediaError;
    }
    this.updateToggles();
    mark("media");
    this.attachTracks(); // the call may already be negotiated: the tracks start flowing, no new offer
    return stream;
  }

  mediaFailed(error) {
    document.body.dataset.mediaError = error.name || "Error";
    let text = this.texts.no_device;
    if (error.name === "NotAllowedError" || error.name === "SecurityError") text = this.texts.camera_denied;
    else if (error.name === "NotReadableError" || error.name === "AbortError") text = this.texts.device_busy;
    this.problem.textContent = text;
    this.problem.hidden = false;
  }

  stopMedia() {
    if (this.localStream) for (const track of this.localStream.getTracks()) track.stop();
    this.localStream = null;
    this.localVideo.srcObject = null;
  }

  track(kind) {
    if (!this.localStream) return null;
    return (kind === "audio" ? this.localStream.getAudioTracks() : this.localStream.getVideoTracks())[0] || null;
  }

  updateToggles() {
    const pairs = [["camera", "video", "camera_on", "camera_off"], ["microphone", "audio", "mic_on", "mic_off"]];
    for (const [name, kind, onText, offText] of pairs) {
      const button = this.buttons[name];
      if (!button) continue;
      const track = this.track(kind);
      button.disabled = !track;
      const off = track ? !track.enabled : true;
      button.setAttribute("aria-pressed", String(off));
      button.textContent = off ? this.texts[offText] : this.texts[onText];
    }
  }

  // What the person chose with the toggles (camera and microphone start on), whatever the devices.
  sendMediaState() {
    this.send({ kind: "media", audio: this.wants.audio, video: this.wants.video && this.mode === "video", mode: this.mode });
  }

  // --- The peer connection -----------------------------------------------------------------------

  createPc() {
    this.closePc();
    // max-bundle: audio and video share one transport from the start, so one set of candidates is
    // gathered and checked instead of one per kind (both ends are this script).
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: "max-bundle" });
    this.pc = pc;
    this.pendingCandidates = [];
    this.transceivers = {};
    this.prepared = null;
    this.holdCandidates = false;
    this.unused = false;
    this.remoteVideo.srcObject = null;
    pc.addEventListener("icecandidate", (event) => {
      if (pc !== this.pc || this.holdCandidates) return; // held ones travel inside the offer's SDP
      if (event.candidate && event.candidate.candidate) this.send({ kind: "ice", candidate: event.candidate.toJSON() });
    });
    pc.addEventListener("track", (event) => {
      // One stream for the remote audio and video, whatever order their tracks come in.
      const current = this.remoteVideo.srcObject ? this.remoteVideo.srcObject.getTracks() : [];
      this.remoteVideo.srcObject = new MediaStream([...current.filter((t) => t.kind !== event.track.kind), event.track]);
      this.playRemote();
    });
    pc.addEventListener("connectionstatechange", () => this.onConnectionState(pc));
    pc.addEventListener("iceconnectionstatechange", () => this.onIceState(pc));
    return pc;
  }

  playRemote() {
    const played = this.remoteVideo.play();
    if (played && typeof played.catch === "function") {
      played.catch(() => {
        // Autoplay with sound refused: play muted, and let the person turn the sound on.
        this.remoteVideo.muted = true;
        this.remoteVideo.play().catch(() => {});
        this.remoteVideo.controls = true;
      });
    }
  }

  closePc() {
    if (this.pc) {
      this.pc.close();
      this.pc = null;
    }
    this.prepared = null;
    this.holdCandidates = false;
    window.clearTimeout(this.timeout);
    window.clearTimeout(this.graceTimer);
  }

  // The call is negotiated without waiting for the camera: each kind has a send-and-receive transceiver
  // from the start, and the local track is put on it whenever it is ready (replaceTrack needs no offer).
  attachTracks() {
    if (!this.pc || !this.transceivers) return;
    for (const [kind, transceiver] of Object.entries(this.transceivers)) {
      const track = this.track(kind);
      if (transceiver.sender.track !== track) transceiver.sender.replaceTrack(track).catch(() => {});
    }
  }

  armTimeout() {
    window.clearTimeout(this.timeout);
    this.timeout = window.setTimeout(() => {
      if (this.state !== "connected") this.fail();
    }, this.connectTimeoutMs);
  }

  fail() {
    this.closePc();
    this.stopMedia();
    this.send({ kind: "hangup" });
    this.setState("failed");
    this.say(this.texts.call_failed, true);
  }

  onConnectionState(pc) {
    if (pc !== this.pc) return;
    if (pc.connectionState === "connected") {
      window.clearTimeout(this.timeout);
      window.clearTimeout(this.graceTimer);
      this.restarts = 0;
      if (!document.body.dataset.callConnectedAt) document.body.dataset.callConnectedAt = String(Date.now());
      mark("connected");
      this.sendMediaState(); // the other side's baseline: later changes are announced
      this.setState("connected");
      this.say(this.mode === "audio" ? this.texts.call_audio_connected : this.texts.call_connected);
    } else if (pc.connectionState === "failed") {
      this.restartIce();
    }
  }

  onIceState(pc) {
    if (pc !== this.pc) return;
    const state = pc.iceConnectionState;
    if (state === "disconnected") {
      this.setState("reconnecting");
      this.say(this.texts.call_reconnecting);
      window.clearTimeout(this.graceTimer);
      this.graceTimer = window.setTimeout(() => {
        if (this.pc === pc && pc.iceConnectionState === "disconnected") this.restartIce();
      }, DISCONNECTED_GRACE_MS);
    } else if (state === "failed") {
      this.restartIce();
    }
  }

  restartIce() {
    if (!this.pc || this.unused || this.prepared || this.mode === "chat" || this.state === "failed") return;
    if (this.restarts >= MAX_RESTARTS) {
      this.fail();
      return;
    }
    this.restarts += 1;
    this.setState("reconnecting");
    this.say(this.texts.call_reconnecting);
    if (this.role === "technician") this.offer({ restart: true });
    else this.send({ kind: "restart" });
    this.armTimeout();
  }

  // A peer connection with a send-and-receive transceiver per kind, for an offer.
  newOfferPc() {
    const pc = this.createPc();
    this.transceivers.audio = pc.addTransceiver("audio", { direction: "sendrecv" });
    if (this.sessionMode === "video") this.transceivers.video = pc.addTransceiver("video", { direction: "sendrecv" });
    this.attachTracks();
    return pc;
  }

  // Technician: offer a new call (fresh) or an ICE restart on the current one.
  async offer({ restart = false } = {}) {
    if (this.role !== "technician" || !this.peerPresent || this.mode === "chat" || !this.media) return;
    if (this.state !== "reconnecting" && this.state !== "connected") {
      this.setState("connecting");
      this.say(this.texts.call_connecting);
    }
    if (!restart && this.prepared) {
      const prepared = this.prepared;
      this.prepared = null;
      const pc = this.pc;
      if (await prepared && pc === this.pc && pc.signalingState === "have-local-offer") {
        this.holdCandidates = false; // from now on candidates go one by one; those so far are in the SDP
        this.send({ kind: "offer", sdp: pc.localDescription.sdp });
        mark("offer");
        this.armTimeout();
        return;
      }
    }
    if (!restart || !this.pc) this.newOfferPc();
    const pc = this.pc;
    try {
      const offer = await pc.createOffer(restart ? { iceRestart: true } : undefined);
      if (pc !== this.pc) return;
      await pc.setLocalDescription(offer);
      this.send({ kind: "offer", sdp: pc.localDescription.sdp });
      mark("offer");
      this.armTimeout();
    } catch (error) {
      if (pc === this.pc) this.fail();
    }
  }

  // Citizen: answer an offer (a new call or a restart of the current one).
  async onOffer(sdp) {
    mark("offer_received");
    if (this.role !== "citizen") return;
    if (this.mode === "chat" || !this.media) {
      this.send({ kind: "hangup" });
      return;
    }
    if (this.state === "failed" || this.state === "chat") this.revive(); // the other side tried again
    let fresh = !this.pc || this.unused;
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (fresh && !this.unused) this.createPc();
      this.unused = false;
      const pc = this.pc;
      try {
        await pc.setRemoteDescription({ type: "offer", sdp });
        mark("offer_set");
        if (fresh) {
          for (const transceiver of pc.getTransceivers()) {
            transceiver.direction = "sendrecv";
            this.transceivers[transceiver.receiver.track.kind] = transceiver;
          }
          this.attachTracks();
        }
        await this.flushCandidates();
        const answer = await pc.createAnswer();
        mark("answer_created");
        await pc.setLocalDescription(answer);
        this.send({ kind: "answer", sdp: pc.localDescription.sdp });
        mark("answer");
        if (pc.connectionState === "connected") {
          // An ICE restart of a call that still worked: no state change will come.
          this.onConnectionState(pc);
          return;
        }
        if (this.state !== "connected") {
          this.setState(this.state === "reconnecting" ? "reconnecting" : "connecting");
          this.say(this.texts.call_connecting);
        }
        this.armTimeout();
        return;
      } catch (error) {
        fresh = true; // an offer from a new connection of the technician (page reloaded): start over
      }
    }
    this.fail();
  }

  async onAnswer(sdp) {
    mark("answer_received");
    if (this.role !== "technician" || !this.pc || this.pc.signalingState !== "have-local-offer") return;
    try {
      await this.pc.setRemoteDescription({ type: "answer", sdp });
      await this.flushCandidates();
      if (this.pc.connectionState === "connected") this.onConnectionState(this.pc);
    } catch (error) {
      this.offer(); // the answer does not fit this connection any more: a fresh offer
    }
  }

  async onCandidate(candidate) {
    if (!this.pc || !this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch {
      // a candidate of an earlier connection: ignore
    }
  }

  async flushCandidates() {
    const candidates = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of candidates) await this.onCandidate(candidate);
  }

  // --- From the other side ---------------------------------------------------------------------------

  onPeer(present, instance) {
    this.peerPresent = present;
    if (present) mark("peer");
    if (!present || this.state === "unsupported") return;
    const newPage = instance !== this.peerInstance;
    this.peerInstance = instance;
    if (this.role === "citizen") {
      if (newPage && this.pc && !this.unused) this.closePc(); // the technician reloaded: a fresh offer is coming
      return;
    }
    if (this.mode === "chat" || this.state === "failed") return;
    if (newPage || !this.pc) this.offer();
    else if (this.state !== "connected") this.offer({ restart: true });
  }

  onSignal(data) {
    switch (data.kind) {
      case "offer":
        this.onOffer(data.sdp);
        break;
      case "answer":
        this.onAnswer(data.sdp);
        break;
      case "ice":
        this.onCandidate(data.candidate);
        break;
      case "restart":
        if (this.role === "technician") {
          if (this.mode === "chat") {
            this.send({ kind: "hangup" });
          } else if (this.state === "failed" || this.state === "chat") {
            this.revive();
            this.offer();
          } else {
            this.offer({ restart: Boolean(this.pc) });
          }
        }
        break;
      case "hangup":
        if (this.mode === "chat" || this.state === "failed" || this.state === "chat") break;
        this.closePc();
        this.stopMedia();
        if (this.state === "connected") {
          this.setState("chat"); // the other person chose the chat
          this.say(this.texts.peer_chat_only);
        } else {
          this.setState("failed"); // the other side gave up connecting
          this.say(this.texts.call_failed, true);
        }
        break;
      case "media":
        this.onPeerMedia(data);
        break;
      default:
        break;
    }
  }

  onPeerMedia(data) {
    if (data.mode === "audio") this.section.classList.add("is-audio");
    if ("video" in data && data.video !== this.peerVideo) {
      if (this.peerVideo !== undefined) this.say(data.video ? this.texts.peer_camera_on : this.texts.peer_camera_off);
      this.peerVideo = data.video;
    }
    if ("audio" in data && data.audio !== this.peerAudio) {
      if (this.peerAudio !== undefined) this.say(data.audio ? this.texts.peer_mic_on : this.texts.peer_mic_off);
      this.peerAudio = data.audio;
    }
  }

  // --- The person's buttons ----------------------------------------------------------------------

  async action(name) {
    if (name === "camera" || name === "microphone") {
      const track = this.track(name === "camera" ? "video" : "audio");
      if (!track) return;
      const kind = name === "camera" ? "video" : "audio";
      this.wants[kind] = !this.wants[kind];
      track.enabled = this.wants[kind];
      this.updateToggles();
      this.sendMediaState();
    } else if (name === "audio") {
      this.mode = "audio";
      const video = this.track("video");
      if (video) {
        if (this.pc && this.transceivers.video) await this.transceivers.video.sender.replaceTrack(null);
        video.stop();
        this.localStream.removeTrack(video);
      }
      this.setState(this.state);
      this.updateToggles();
      this.sendMediaState();
      this.say(this.texts.audio_only);
    } else if (name === "chat") {
      this.mode = "chat";
      this.send({ kind: "hangup" });
      this.closePc();
      this.stopMedia();
      this.setState("chat");
      this.say(this.texts.chat_only);
    } else if (name === "retry") {
      this.revive();
      await this.media;
      if (this.role === "technician") this.offer();
      else this.send({ kind: "restart" });
    }
  }

  // Back from "failed" or "chat" to the call the session was opened with.
  revive() {
    this.mode = this.sessionMode;
    this.restarts = 0;
    this.setState("waiting");
    this.say(this.texts.call_connecting);
    this.media = this.getMedia();
  }

  end() {
    this.closePc();
    this.stopMedia();
    this.setState("ended");
  }
}

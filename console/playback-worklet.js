// The assistant's 8 kHz audio, played at the context's rate, with Twilio's marks and clear:
// a mark is echoed once the audio queued before it has played; clear drops the queue and
// echoes the pending marks at once (as Twilio does).
// Messages in: {samples: Float32Array at 8 kHz} | {mark: name} | {clear: true}.
// Messages out: {played: name} | {level: RMS 0..1, playing: bool}.
'use strict';

class PlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = 8000 / sampleRate; // 8 kHz samples per output sample
    this.chunks = [];
    this.offset = 0; // next sample in chunks[0]
    this.queued = 0; // 8 kHz samples not played yet
    this.played = 0; // 8 kHz samples played since the start
    this.marks = []; // {name, at}: echoed when `played` reaches `at`
    this.current = 0;
    this.next = 0;
    this.fraction = 0;
    this.energy = 0;
    this.counted = 0;
    this.port.onmessage = (event) => this.receive(event.data);
  }

  receive(message) {
    if (message.samples) {
      this.chunks.push(message.samples);
      this.queued += message.samples.length;
    } else if (message.mark !== undefined) {
      this.marks.push({ name: message.mark, at: this.played + this.queued });
      this.echoPlayedMarks();
    } else if (message.clear) {
      this.chunks = [];
      this.offset = 0;
      this.played += this.queued;
      this.queued = 0;
      this.echoPlayedMarks();
    }
  }

  echoPlayedMarks() {
    while (this.marks.length > 0 && this.marks[0].at <= this.played) {
      this.port.postMessage({ played: this.marks.shift().name });
    }
  }

  take() {
    if (this.queued === 0) return 0;
    const chunk = this.chunks[0];
    const value = chunk[this.offset++];
    if (this.offset >= chunk.length) {
      this.chunks.shift();
      this.offset = 0;
    }
    this.queued -= 1;
    this.played += 1;
    return value;
  }

  process(inputs, outputs) {
    const out = outputs[0][0];
    const playing = this.queued > 0;
    for (let i = 0; i < out.length; i++) {
      // Linear interpolation between consecutive 8 kHz samples.
      const value = this.current + (this.next - this.current) * this.fraction;
      out[i] = value;
      this.energy += value * value;
      this.fraction += this.step;
      while (this.fraction >= 1) {
        this.fraction -= 1;
        this.current = this.next;
        this.next = this.take();
      }
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.echoPlayedMarks();
    this.counted += out.length;
    if (this.counted >= 2048) {
      this.port.postMessage({ level: Math.sqrt(this.energy / this.counted), playing });
      this.energy = 0;
      this.counted = 0;
    }
    return true;
  }
}

registerProcessor('playback', PlaybackProcessor);

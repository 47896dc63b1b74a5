// The microphone in Twilio's media format: 8 kHz μ-law, 160 samples (20 ms) a frame.
// Runs on the audio thread; posts {frame: Uint8Array(160), level: RMS 0..1} per frame.
'use strict';

// G.711 μ-law of a sample in -1..1 (the ITU reference algorithm, bias 0x84, clip 32635).
function mulaw(x) {
  let s = Math.round(Math.max(-1, Math.min(1, x)) * 32767);
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > 32635) s = 32635;
  s += 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1) { /* find the segment */ }
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / 8000; // input samples per output sample
    this.position = 0;
    this.sum = 0;
    this.count = 0;
    this.frame = new Uint8Array(160);
    this.filled = 0;
    this.energy = 0;
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const samples = channels[0];
    for (let i = 0; i < samples.length; i++) {
      // A box filter: each 8 kHz sample is the mean of its input period (cheap anti-aliasing).
      this.sum += samples[i];
      this.count += 1;
      this.position += 1;
      if (this.position < this.step) continue;
      this.position -= this.step;
      const value = this.sum / this.count;
      this.sum = 0;
      this.count = 0;
      this.energy += value * value;
      this.frame[this.filled++] = mulaw(value);
      if (this.filled === 160) {
        this.port.postMessage({ frame: this.frame, level: Math.sqrt(this.energy / 160) }, [this.frame.buffer]);
        this.frame = new Uint8Array(160);
        this.filled = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}

registerProcessor('capture', CaptureProcessor);

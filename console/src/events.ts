// One Server-Sent Events stream per console (GET /v1/events); pages subscribe to it instead of polling.
// EventSource cannot send an Authorization header, so the stream is read with fetch.

export type LiveEvent =
  | { type: 'device'; device: string; online: boolean; at: number }
  | { type: 'alert'; alert: string; rule: string; device: string; severity: string; state: string; at: number }
  | { type: 'log'; device: string; level: string; component?: string; message: string; ts: number }
  | { type: 'dropped'; count: number }

type Listener = (e: LiveEvent) => void

export class LiveEvents {
  private readonly listeners = new Set<Listener>()
  private abort = new AbortController()
  private closed = false
  private everConnected = false
  connected = false
  onStatus: (connected: boolean) => void = () => {}

  constructor(
    private readonly token: string,
    private readonly onUnauthorized: () => void,
  ) {}

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  start(): void {
    void this.loop()
  }

  close(): void {
    this.closed = true
    this.abort.abort()
  }

  private setConnected(v: boolean) {
    if (this.connected === v) return
    this.connected = v
    this.onStatus(v)
    // Events sent while the stream was down are lost: after a reconnect, pages reload what they show, as for the
    // hub's own `dropped` notice (useLive passes it to every page).
    if (v && this.everConnected) for (const l of this.listeners) l({ type: 'dropped', count: 0 })
    if (v) this.everConnected = true
  }

  private async loop(): Promise<void> {
    let delay = 1000
    while (!this.closed) {
      try {
        const res = await fetch('/v1/events', { headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' }, signal: this.abort.signal })
        if (res.status === 401) {
          this.onUnauthorized()
          return
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`)
        this.setConnected(true)
        delay = 1000
        await this.read(res.body)
      } catch {
        if (this.closed) return
      }
      this.setConnected(false)
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, 30_000)
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader()
    const decoder = new TextDecoder()
    let buf = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buf += decoder.decode(value, { stream: true })
      let end
      while ((end = buf.indexOf('\n\n')) >= 0) {
        this.dispatch(buf.slice(0, end))
        buf = buf.slice(end + 2)
      }
    }
  }

  private dispatch(block: string): void {
    let type = 'message'
    let data = ''
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) type = line.slice(7)
      else if (line.startsWith('data: ')) data += line.slice(6)
    }
    if (!data || type === 'hello') return
    try {
      const e = { ...JSON.parse(data), type } as LiveEvent
      for (const l of this.listeners) l(e)
    } catch {
      // A malformed frame is skipped; the next one is independent.
    }
  }
}

// `node --import …/register.mjs`: logs the modules a process loads (test/agent/start-loads.test.ts).
import { register } from 'node:module'

register('./hooks.mjs', import.meta.url)

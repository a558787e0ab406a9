// zod compiles object parsers with `new Function` unless told not to, and decides so when each
// schema is built; its probe for it alone is an eval that the page's CSP refuses and reports. So
// before any schema exists (main.tsx imports this first), the renderer's zod interprets instead.
import { z } from 'zod';

z.config({ jitless: true });

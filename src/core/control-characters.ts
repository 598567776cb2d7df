// Control characters, matched on purpose: text from operators, stores and URLs is checked for
// them (refused in config, stripped before a terminal sees it). Kept here, once, so the
// lint rule against control characters in patterns is waived in one place only.

/* eslint-disable no-control-regex */

/** C0 controls and DEL (NUL, ESC, BEL, CR, …), tab and newline included. */
export const C0_CONTROLS = /[\u0000-\u001f\u007f]/;

/** C0 and C1 controls and DEL. */
export const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;

/** C0 and C1 controls and DEL but newline and tab, all of them (for removal). */
export const CONTROLS_BUT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

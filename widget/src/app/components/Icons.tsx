// Inline SVG icons; decorative, the buttons carry the aria-labels.
const svg = { width: 24, height: 24, viewBox: "0 0 24 24", "aria-hidden": true, focusable: "false" } as const;

export const ChatIcon = () => (
  <svg {...svg} width={28} height={28}>
    <path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8.4L4 21.5V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Z" />
  </svg>
);

export const CloseIcon = () => (
  <svg {...svg}>
    <path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" d="M6 6l12 12M18 6 6 18" />
  </svg>
);

export const SendIcon = () => (
  <svg {...svg}>
    <path fill="currentColor" d="M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z" />
  </svg>
);

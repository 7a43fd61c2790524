import { raw } from "hono/html";
import { renderSVG } from "uqr";

/**
 * A QR code as inline SVG, rendered on the server (no script, so the pages' CSP holds).
 * `label` is the accessible name a screen reader gives the picture.
 */
export function QrCode(props: { text: string; label: string; size?: "small" | "large" }) {
  const svg = renderSVG(props.text, { border: 2 });
  return (
    <figure class={props.size ? `qr ${props.size}` : "qr"} role="img" aria-label={props.label}>
      {raw(svg)}
    </figure>
  );
}

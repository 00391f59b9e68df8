// The map, loaded only where a map is shown (Leaflet stays out of the queue's first load). Tiles come from the
// configured tile server; without one (or offline) the page still shows the point's coordinates and works.
import { useEffect, useRef } from "preact/hooks";
import { config } from "./main";

export interface Point {
  lat: number;
  lng: number;
  label?: string;
  href?: string;
}

export function MapView({ points, zoom = 15, title }: { points: Point[]; zoom?: number; title: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let map: { remove(): void } | null = null;
    let live = true;
    void Promise.all([import("leaflet"), import("leaflet/dist/leaflet.css")]).then(([L]) => {
      if (!live || !el.current || points.length === 0) return;
      const m = L.map(el.current, { keyboard: true, attributionControl: Boolean(config.tile_url) });
      map = m;
      if (config.tile_url) {
        L.tileLayer(config.tile_url, { maxZoom: 19, attribution: config.tile_attribution ?? "" }).addTo(m);
      }
      const bounds = L.latLngBounds([]);
      for (const p of points) {
        const marker = L.circleMarker([p.lat, p.lng], { radius: 8, color: "#b3261e", weight: 2, fillOpacity: 0.6 }).addTo(m);
        if (p.label) marker.bindPopup(p.href ? `<a href="${p.href}">${escape(p.label)}</a>` : escape(p.label));
        bounds.extend([p.lat, p.lng]);
      }
      if (points.length === 1) m.setView([points[0].lat, points[0].lng], zoom);
      else m.fitBounds(bounds.pad(0.1));
    });
    return () => {
      live = false;
      map?.remove();
    };
  }, [JSON.stringify(points)]);
  return <div ref={el} class="map" role="region" aria-label={title} />;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

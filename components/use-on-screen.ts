"use client";

import { useEffect, useRef, useState, type RefObject } from "react";

/**
 * True once the element has come within `rootMargin` of the viewport (and from then on). Heavy
 * parts of a page (the usage chart, the API key manager) load their code only then, so the first
 * paint and hydration do not pay for what the visitor has not scrolled to.
 */
export function useOnScreen<T extends Element>(rootMargin = "100px"): [RefObject<T | null>, boolean] {
  const ref = useRef<T>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const element = ref.current;
    if (seen || !element) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          setSeen(true);
          observer.disconnect();
        }
      },
      { rootMargin },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [seen, rootMargin]);
  return [ref, seen];
}

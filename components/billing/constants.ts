/** Shared by the server page and the client table (a "use client" module cannot export plain values to the server). */
export const INVOICE_PAGE_SIZE = 10;

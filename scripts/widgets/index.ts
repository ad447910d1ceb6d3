// The widgets runtime for app code (backend side). The browser side is ./client.
export { html, unsafeRawHtml, escapeHtml, attributes, Html, type Content } from './html.js'
export { state, untracked, State } from './reactive.js'
export { component, on, Component, type EventData, type EventName, type Handler } from './component.js'
export { keyedList, type KeyedList, type KeyedListOptions } from './list.js'
export { currentPath, navigate, link, type Routes } from './router.js'
export * from './widgets.js'
export { mountWidgets, type WidgetServerOptions } from './server.js'
export { WidgetSession, type WidgetApp } from './session.js'

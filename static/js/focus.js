/* After htmx swaps in new content, put the keyboard focus where the eye should go.
   - A form sent and back with problems: its first invalid field (aria-invalid="true").
   - The focused control was swapped away (a button in a card, a row, a form): the card that
     comes next when a card of a list was decided in place (the manager's queue), else the
     message in the new content (an alert, a status, a flash), else the first card of a list
     swapped whole, else a notice (the live answer), else its heading or the content itself.
   - Focus on a control that stayed (someone typing while the live check answers), or nowhere
     in particular (the board refreshing itself): left alone.
   A whole page that brings a form back with problems: its first invalid field.
   A static file, loaded with defer: the content security policy allows no inline script. */
(function () {
  "use strict";

  var MESSAGE = "[role=alert], [role=status], .flash";
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  var submitted = false;
  var pending = null; // {target, id, hadFocus} between a swap and its settling

  function visible(el) {
    return !!el && el.isConnected && el.getClientRects().length > 0;
  }

  function focusOn(el) {
    if (!visible(el)) return false;
    if (!el.matches(FOCUSABLE)) el.setAttribute("tabindex", "-1");
    el.focus();
    return document.activeElement === el;
  }

  function first(root, selector) {
    if (!root || !root.isConnected) return null;
    if (root.matches(selector) && visible(root)) return root;
    var found = root.querySelectorAll(selector);
    for (var i = 0; i < found.length; i++) if (visible(found[i])) return found[i];
    return null;
  }

  function lost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  // A whole page that brings a form back with problems: its first invalid field, unless the
  // page already put the focus somewhere itself (autofocus) or the person moved it.
  function firstInvalidOnLoad() {
    if (!lost()) return;
    focusOn(first(document.getElementById("main"), '[aria-invalid="true"]'));
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", firstInvalidOnLoad);
  } else {
    firstInvalidOnLoad();
  }

  var activeAtRequest = null; // a button disabled while its request runs (hx-disabled-elt) loses the focus

  document.addEventListener("htmx:beforeRequest", function (event) {
    var how = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    submitted = !!how && how.type === "submit";
    activeAtRequest = document.activeElement;
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !event.detail.shouldSwap) return;
    var active = document.activeElement;
    pending = {
      target: target,
      id: target.id,
      hadFocus: [active, activeAtRequest].some(function (el) {
        return !!el && el !== document.body && target.contains(el);
      }),
      submitted: submitted
    };
    submitted = false;
    activeAtRequest = null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    var swap = pending;
    pending = null;
    if (!swap) return;
    var swapped = swap.target.isConnected ? swap.target : swap.id && document.getElementById(swap.id);
    if (!swapped) return;
    var invalid = first(swapped, '[aria-invalid="true"]');
    if (invalid && (swap.submitted || (swap.hadFocus && lost()))) {
      focusOn(invalid);
      return;
    }
    if (swapped.id === "flashes" && swap.submitted) { // a save refused: the message says why
      focusOn(first(swapped, MESSAGE));
      return;
    }
    if (!swap.hadFocus || !lost()) return;
    // A card decided in place keeps no buttons: the next card is what comes next.
    if (swapped.matches("article") && !first(swapped, "[role=alert]")) {
      var next = swapped.nextElementSibling;
      while (next && !next.matches("article")) next = next.nextElementSibling;
      if (next && focusOn(next)) return;
    }
    if (focusOn(first(swapped, MESSAGE))) return;
    if (focusOn(first(document.getElementById("flashes"), MESSAGE))) return;
    // A list swapped whole (another page of the queue): its first card; else the live answer.
    if (focusOn(first(swapped, "article"))) return;
    if (focusOn(first(swapped, ".notice"))) return;
    focusOn(first(swapped, "h1, h2, h3") || swapped);
  });
})();

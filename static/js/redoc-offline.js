// ReDoc draws an "API docs by Redocly" logo from its CDN, whatever its options: without internet
// that is a failed request, and the page's Content-Security-Policy allows images from our own
// origin only. Loaded before ReDoc, this turns that one image into our own logo (data-logo),
// whether ReDoc sets it as an attribute or as the property.
(function () {
  "use strict";
  var cdnLogo = "https://cdn.redoc.ly/redoc/logo-mini.svg";
  var ownLogo = document.currentScript.getAttribute("data-logo");

  function local(url) {
    return url === cdnLogo ? ownLogo : url;
  }

  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    return setAttribute.call(this, name, this.tagName === "IMG" && name === "src" ? local(value) : value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, local(value));
    },
  });
})();

// Actionboard: when the session ends (it expired, or the user signed out in another tab), the
// server answers the dashboard's requests 401; go to the sign-in page, then back to this page.
(function () {
  var originalFetch = window.fetch;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && window.location.pathname !== "/login") {
        var here = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();

//! A router builder that also keeps the list of (method, path) it registered, so a test can hold
//! the router and `openapi.yaml` to the same set of endpoints.

use axum::Router;
use axum::routing::MethodRouter;

/// Routes under construction and their (method, path) list.
pub struct Routes<S> {
    router: Router<S>,
    list: Vec<(String, String)>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self {
            router: Router::new(),
            list: Vec::new(),
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for one method on `path` (axum merges methods of one path).
    pub fn add(mut self, method: &str, path: &str, handler: MethodRouter<S>) -> Self {
        self.list.push((method.to_owned(), path.to_owned()));
        self.router = self.router.route(path, handler);
        self
    }

    /// Mounts `other` under `prefix`.
    pub fn nest(mut self, prefix: &str, other: Routes<S>) -> Self {
        let (router, list) = other.into_parts();
        self.list
            .extend(list.into_iter().map(|(m, p)| (m, format!("{prefix}{p}"))));
        self.router = self.router.nest(prefix, router);
        self
    }

    /// Adds routes registered elsewhere.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        let (router, list) = other.into_parts();
        self.list.extend(list);
        self.router = self.router.merge(router);
        self
    }

    /// Applies a layer to the routes registered so far.
    pub fn route_layer<L>(mut self, layer: L) -> Self
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<axum::extract::Request> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Response:
            axum::response::IntoResponse + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Error:
            Into<std::convert::Infallible> + 'static,
        <L::Service as tower::Service<axum::extract::Request>>::Future: Send + 'static,
    {
        self.router = self.router.route_layer(layer);
        self
    }

    pub fn into_parts(self) -> (Router<S>, Vec<(String, String)>) {
        (self.router, self.list)
    }
}

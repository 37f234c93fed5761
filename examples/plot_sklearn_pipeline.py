"""
The estimator in a scikit-learn pipeline
========================================

:class:`memnets.MemorizationClassifier` is a scikit-learn estimator: it works in a
:class:`~sklearn.pipeline.Pipeline` and in :class:`~sklearn.model_selection.GridSearchCV`.
Here it chooses among ``efficient``'s condensing rules and presets on scikit-learn's
digits (all ten classes), by 3-fold cross-validation.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

import memnets as mn

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                    stratify=y)
pipe = make_pipeline(MinMaxScaler(clip=True), mn.MemorizationClassifier(random_state=0))
grid = GridSearchCV(
    pipe,
    [{"memorizationclassifier__condense": ["none", "hart"]},
     {"memorizationclassifier__condense": ["cover"],
      "memorizationclassifier__preset": ["compact", "theorem"]}],
    cv=3,
)
grid.fit(X_train, y_train)
print("best:", grid.best_params_, f"cv accuracy {grid.best_score_:.3f}")
print(f"test accuracy of the refitted pipeline: {grid.score(X_test, y_test):.3f}")
best = grid.best_estimator_[-1]
print("its network:", best.result_.stats["params"], "params, verified", best.result_.verified)

# %%
# Cross-validated accuracy of every candidate
labels = ["\n".join(str(v) for v in p.values()) for p in grid.cv_results_["params"]]
fig, ax = plt.subplots(figsize=(7, 4))
ax.bar(labels, grid.cv_results_["mean_test_score"], yerr=grid.cv_results_["std_test_score"],
       color="#a1d99b")
ax.set(ylim=(0.9, 1.0), ylabel="3-fold CV accuracy", title="GridSearchCV over efficient's options")
plt.show()

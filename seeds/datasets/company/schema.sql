-- Sample "company" database for the SQL Mastery course.
-- Portable SQL: runs unchanged on DuckDB and SQLite.
-- Dates are DATE columns holding 'YYYY-MM-DD' values; money is DECIMAL(10,2).

CREATE TABLE departments (
  dept_id        INTEGER PRIMARY KEY,
  name           VARCHAR(50) NOT NULL,
  parent_dept_id INTEGER REFERENCES departments (dept_id),  -- NULL for the top-level department
  budget         DECIMAL(12,2) NOT NULL
);

CREATE TABLE employees (
  emp_id     INTEGER PRIMARY KEY,
  name       VARCHAR(50) NOT NULL,
  email      VARCHAR(100),                               -- NULL when unknown
  dept_id    INTEGER REFERENCES departments (dept_id),   -- NULL for staff outside any department
  manager_id INTEGER REFERENCES employees (emp_id),      -- NULL for the CEO
  salary     DECIMAL(10,2) NOT NULL,
  hired_on   DATE NOT NULL
);

CREATE TABLE customers (
  customer_id  INTEGER PRIMARY KEY,
  name         VARCHAR(50) NOT NULL,
  city         VARCHAR(50),                              -- NULL when unknown
  country      VARCHAR(50) NOT NULL,
  signed_up_on DATE NOT NULL
);

CREATE TABLE products (
  product_id INTEGER PRIMARY KEY,
  name       VARCHAR(50) NOT NULL,
  category   VARCHAR(30) NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL
);

CREATE TABLE orders (
  order_id    INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (customer_id),
  employee_id INTEGER REFERENCES employees (emp_id),     -- NULL for web orders without a sales rep
  ordered_on  DATE NOT NULL,
  status      VARCHAR(20) NOT NULL                       -- pending, shipped, delivered, cancelled
);

CREATE TABLE order_items (
  order_id   INTEGER NOT NULL REFERENCES orders (order_id),
  product_id INTEGER NOT NULL REFERENCES products (product_id),
  quantity   INTEGER NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,                     -- price actually charged (may differ from products.unit_price)
  PRIMARY KEY (order_id, product_id)
);

CREATE TABLE payments (
  payment_id INTEGER PRIMARY KEY,
  order_id   INTEGER NOT NULL REFERENCES orders (order_id),
  paid_on    DATE NOT NULL,
  amount     DECIMAL(10,2) NOT NULL,
  method     VARCHAR(20) NOT NULL                        -- card, bank_transfer, paypal
);
